package dev.backlogsentinel.api.advice;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class ServerTest {

    @ParameterizedTest(name = "comm {0}, exe {1} -> {2}")
    @CsvSource(nullValues = "-", value = {
            "nginx,           nginx,          nginx",
            "nginx,           nginx-debug,    nginx",
            "java,            java,           java",
            "java,            -,              java",
            "node,            node,           node",
            "npm start,       node,           node",
            "MainThread,      nodejs,         node",
            "redis-server,    redis-server,   redis",
            "redis-sentinel,  redis-server,   redis",
            "haproxy,         haproxy,        haproxy",
            "envoy,           envoy,          envoy",
            "httpd,           httpd,          httpd",
            "apache2,         apache2,        httpd",
            "gunicorn,        python3.12,     gunicorn",
            "gunicorn: maste, python3.12,     gunicorn",
            "uvicorn,         python3.11,     uvicorn",
            "postgres,        postgres,       postgres",
            "postmaster,      -,              postgres",
            "NGINX,           -,              nginx",
    })
    void recognisesCommonServers(String command, String executable, String id) {
        assertThat(Server.recognise(command, executable, false)).isEqualTo(Server.byId(id)).isNotNull();
    }

    @ParameterizedTest(name = "comm {0}, exe {1} -> not recognised")
    @CsvSource(nullValues = "-", value = {
            "python3,         python3.12",
            "ruby,            ruby",
            "httpd,           busybox",
            "myapp,           myapp",
            "-,               -",
            "'',              ''",
    })
    void othersAreNotRecognised(String command, String executable) {
        assertThat(Server.recognise(command, executable, false)).isNull();
    }

    @Test
    void aGoBinaryIsGoWhateverItIsCalled() {
        assertThat(Server.recognise("caddy", "caddy", true)).isEqualTo(Server.GO);
        assertThat(Server.recognise("traefik", null, true)).isEqualTo(Server.GO);
        assertThat(Server.recognise(null, null, true)).isEqualTo(Server.GO);
        assertThat(Server.recognise("caddy", "caddy", false)).isNull();
    }

    @Test
    void idsRoundTripAndUnknownIdsAreNull() {
        for (Server s : Server.values()) {
            assertThat(Server.byId(s.id())).isSameAs(s);
        }
        assertThat(Server.NGINX.id()).isEqualTo("nginx");
        assertThat(Server.JAVA.id()).isEqualTo("java");
        assertThat(Server.NODE.id()).isEqualTo("node");
        assertThat(Server.GO.id()).isEqualTo("go");
        assertThat(Server.byId(null)).isNull();
        assertThat(Server.byId("lighttpd")).isNull();
        assertThat(Server.byId("NGINX")).isNull();
    }
}
