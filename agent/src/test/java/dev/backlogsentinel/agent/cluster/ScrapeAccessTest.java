package dev.backlogsentinel.agent.cluster;

import dev.backlogsentinel.testing.ApiServerProxy;
import dev.backlogsentinel.testing.ChartInstall;
import dev.backlogsentinel.testing.MetricsReader;
import dev.backlogsentinel.testing.TestApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may scrape, asked of the real API server with the chart's agent identity, and what happens
 * when it cannot be asked: a scraper allowed before stays allowed (an API outage must not look like
 * every agent down); one never seen gets 503, not a wrong 401; answers are asked again once they expire.
 */
class ScrapeAccessTest {

    /** A clock the test moves. */
    static final class MovingClock extends Clock {
        private volatile Instant now = Instant.parse("2026-12-06T10:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void anAllowedScraperStaysAllowedWhileTheApiServerIsAwayAndAnUnknownOneIsToldItCannotBeJudged() {
        TestApiServer server = TestApiServer.shared();
        ChartInstall.Installed chart = ChartInstall.on(server);
        MovingClock clock = new MovingClock();
        try (KubernetesClient admin = server.admin(); ApiServerProxy proxy = new ApiServerProxy(server.port());
                KubernetesClient agent = chart.agent().clientFor(proxy.url(), c -> {
                    c.setRequestRetryBackoffLimit(0);
                    c.setConnectionTimeout(500);
                    c.setRequestTimeout(2000);
                })) {
            String prometheus = MetricsReader.token(admin, "monitoring", "prometheus", ChartInstall.RELEASE);
            String nobody = ChartInstall.identity(server, admin, "scrape-nobody").token();
            ScrapeAccess access = new ScrapeAccess(agent, clock);
            assertThat(access.check("Bearer " + prometheus).status()).isEqualTo(200);
            assertThat(access.check("Bearer " + nobody).status()).isEqualTo(403);

            proxy.cut();
            clock.advance(ScrapeAccess.ALLOWED_FOR.plusSeconds(1));
            assertThat(access.check("Bearer " + prometheus).status()).as("allowed before: still served").isEqualTo(200);
            ScrapeAccess.Answer unknown = access.check("Bearer " + chart.operator().token());
            assertThat(unknown.status()).isEqualTo(503);
            assertThat(unknown.message()).startsWith("cannot ask the API server who this scraper is");
            assertThat(access.check("Bearer " + nobody).status()).as("refused before, expired: not judged now").isEqualTo(503);

            proxy.restore();
            assertThat(access.check("Bearer " + nobody).status()).as("asked again once the server answers").isEqualTo(403);
        }
    }
}
