package dev.backlogsentinel.operator.events;

import dev.backlogsentinel.api.ListenerState;
import dev.backlogsentinel.api.advice.Server;
import dev.backlogsentinel.api.report.ListenerProcess;
import dev.backlogsentinel.api.report.NetnsSysctls;
import dev.backlogsentinel.api.report.PodRef;
import dev.backlogsentinel.api.report.ReportedListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The advice in pod events and the node condition: per server, per knob, per namespace setting, and within 1 KiB. */
class FindingMessagesTest {

    /** For each server, what its backlog advice must name: the setting and its default. */
    static final Map<Server, List<String>> SETTING = new EnumMap<>(Map.ofEntries(
            Map.entry(Server.NGINX, List.of("backlog=N to nginx's listen directive", "listen 8080 backlog=4096", "default 511 on Linux")),
            Map.entry(Server.JAVA, List.of("server.tomcat.accept-count", "Tomcat acceptCount, default 100",
                    "quarkus.http.accept-backlog", "Jetty acceptQueueSize", "Netty ChannelOption.SO_BACKLOG",
                    "new ServerSocket(port, backlog) (default 50)")),
            Map.entry(Server.NODE, List.of("server.listen(port, host, backlog)", "defaults to 511")),
            Map.entry(Server.GO, List.of("net.Listen takes no backlog", "restart the process", "syscall.Listen",
                    "TCPListener.SyscallConn")),
            Map.entry(Server.REDIS, List.of("tcp-backlog in redis.conf (default 511)")),
            Map.entry(Server.HAPROXY, List.of("backlog on the bind line or in the frontend", "frontend's maxconn")),
            Map.entry(Server.ENVOY, List.of("tcp_backlog_size on the Envoy listener", "unset, Envoy passes net.core.somaxconn")),
            Map.entry(Server.HTTPD, List.of("ListenBacklog", "(default 511)")),
            Map.entry(Server.GUNICORN, List.of("gunicorn's --backlog", "default 2048")),
            Map.entry(Server.UVICORN, List.of("uvicorn's --backlog (default 2048)")),
            Map.entry(Server.POSTGRES, List.of("max_connections (default 100", "twice max_connections"))));

    static final String GENERIC = "The limit (511) is the application's listen() backlog, below net.core.somaxconn: "
            + "raise the backlog the application passes to listen().";

    static ReportedListener listener(String limitedBy, Server server) {
        ReportedListener l = new ReportedListener();
        l.setPolicy("web");
        l.setPod(new PodRef("shop", "web-0", "uid-1"));
        l.setFamily("IPv4");
        l.setAddress("0.0.0.0");
        l.setPort(8080);
        l.setState(ListenerState.Saturated);
        l.setSince("2026-11-25T16:09:36Z");
        l.setDepth(512);
        l.setPeakDepth(512);
        l.setLimit(511);
        l.setLimitedBy(limitedBy);
        l.setSynRecv(3);
        l.setOverflowsTotal(78L);
        l.setDropsTotal(78L);
        l.setProcess(new ListenerProcess(812, server == null ? "myapp" : server.id(), "a".repeat(64), "web",
                server == null ? null : server.id(), 1));
        l.setSysctls(new NetnsSysctls(4096, 1, 0, 1024));
        l.setReqQFullDropTotal(0L);
        return l;
    }

    @Test
    void everyServerHasItsAdviceTested() {
        assertThat(SETTING.keySet()).containsExactlyInAnyOrder(Server.values());
    }

    @ParameterizedTest
    @EnumSource(Server.class)
    void limitedByBacklogTheEventNamesTheServersSetting(Server server) {
        ReportedListener l = listener("backlog", server);
        for (String message : List.of(FindingMessages.saturated(l), FindingMessages.overflow(l))) {
            assertThat(message).as("%s", server).contains(SETTING.get(server))
                    .contains("The limit (511) is the listen() backlog " + ServerAdvice.name(server) + " passed, below "
                            + "net.core.somaxconn (4096): ")
                    .doesNotContain(FindingMessages.GENERIC_BACKLOG);
        }
        assertThat(FindingMessages.knobName(l)).isEqualTo("the listen() backlog of " + ServerAdvice.name(server));
    }

    @Test
    void anUnrecognisedServerGetsTheGenericAdvice() {
        ReportedListener noServer = listener("backlog", null);
        ReportedListener newerAgentsServer = listener("backlog", null);
        newerAgentsServer.getProcess().setServer("lighttpd");
        ReportedListener noProcess = listener("backlog", null);
        noProcess.setProcess(null);
        for (ReportedListener l : List.of(noServer, newerAgentsServer, noProcess)) {
            assertThat(FindingMessages.knob(l)).isEqualTo(GENERIC);
            assertThat(FindingMessages.saturated(l)).contains(GENERIC);
            assertThat(FindingMessages.knobName(l)).isEqualTo("the application's listen() backlog");
        }
    }

    @ParameterizedTest
    @EnumSource(Server.class)
    void limitedBySomaxconnTheEventNamesTheUnsafeSysctlPrerequisites(Server server) {
        for (ReportedListener l : List.of(listener("somaxconn", server), listener("somaxconn", null))) {
            String message = FindingMessages.saturated(l);
            assertThat(message).contains("raise it in securityContext.sysctls")
                    .contains("--allowed-unsafe-sysctls=net.core.somaxconn").contains("allowedUnsafeSysctls in KubeletConfiguration")
                    .contains("SysctlForbidden").contains("PodSecurity baseline and restricted refuse it")
                    .contains("the namespace must be privileged");
            assertThat(FindingMessages.knobName(l)).isEqualTo("net.core.somaxconn (an unsafe sysctl)");
        }
        String own = FindingMessages.knob(listener("somaxconn", server));
        if (server == Server.GO) {
            assertThat(own).contains("Go reads net.core.somaxconn once, at its first listen: restart the process")
                    .doesNotContain(" with it.");
        } else {
            assertThat(own).contains(", and " + ServerAdvice.alongside(server) + " with it.")
                    .contains("Restart the application: a new limit applies at its next listen().");
        }
        assertThat(FindingMessages.knob(listener("somaxconn", null)))
                .contains(", and the application's listen() backlog with it.")
                .contains("Restart the application: a new limit applies at its next listen().");
    }

    @Test
    void anUnknownKnobStillNamesThePrerequisitesOfSomaxconn() {
        assertThat(FindingMessages.knob(listener("unknown", null))).startsWith("Which knob sets the limit (511) is unknown")
                .contains("the application's listen() backlog").contains("kubelet allows it").contains("PodSecurity level is privileged");
        assertThat(FindingMessages.knob(listener(null, Server.NGINX))).contains("nginx's listen backlog=");
    }

    @Test
    void abortOnOverflowSaysClientsGetResets() {
        ReportedListener l = listener("backlog", Server.NGINX);
        assertThat(FindingMessages.saturated(l)).doesNotContain("reset");
        l.getSysctls().setTcpAbortOnOverflow(1);
        for (String message : List.of(FindingMessages.saturated(l), FindingMessages.overflow(l))) {
            assertThat(message).contains("net.ipv4.tcp_abort_on_overflow is 1 here: clients whose handshake completes "
                    + "while the queue is full get a connection reset (RST, ECONNRESET), not a timeout.");
        }
        l.setSysctls(null);
        assertThat(FindingMessages.saturated(l)).doesNotContain("reset");
    }

    @Test
    void syncookiesOffWithAFullSynQueueSaysSynsAreDropped() {
        ReportedListener l = listener("somaxconn", null);
        l.setReqQFullDropTotal(42L);
        assertThat(FindingMessages.saturated(l)).as("syncookies on").doesNotContain("SYNs are being dropped");

        l.getSysctls().setTcpSyncookies(0);
        for (String message : List.of(FindingMessages.saturated(l), FindingMessages.overflow(l))) {
            assertThat(message).contains("SYNs are being dropped: the SYN queue is full and syncookies are off "
                    + "(TCPReqQFullDrop: 42); set net.ipv4.tcp_syncookies=1 in securityContext.sysctls, a safe sysctl.");
        }

        l.setReqQFullDropTotal(0L);
        assertThat(FindingMessages.saturated(l)).as("no drop yet, SYN queue not full").doesNotContain("SYNs are being dropped");
        l.setSynRecv(511);
        assertThat(FindingMessages.saturated(l)).as("SYN queue at its limit").contains("SYNs are being dropped")
                .doesNotContain("TCPReqQFullDrop");

        l.getSysctls().setTcpSyncookies(1);
        assertThat(FindingMessages.saturated(l)).doesNotContain("SYNs are being dropped");
        l.getSysctls().setTcpSyncookies(null);
        assertThat(FindingMessages.saturated(l)).as("unknown is not off").doesNotContain("SYNs are being dropped");
    }

    @Test
    void theHolderIsNamed() {
        ReportedListener l = listener("backlog", Server.NGINX);
        l.getProcess().setHolders(4);
        assertThat(FindingMessages.holder(l)).isEqualTo("Held by nginx (pid 812, container web, +3 more processes).");
        assertThat(FindingMessages.saturated(l)).contains(" Held by nginx (pid 812, container web, +3 more processes). The limit");
        l.getProcess().setHolders(2);
        assertThat(FindingMessages.holder(l)).isEqualTo("Held by nginx (pid 812, container web, +1 more process).");
        l.getProcess().setHolders(1);
        l.getProcess().setContainer(null);
        assertThat(FindingMessages.holder(l)).isEqualTo("Held by nginx (pid 812).");
        l.getProcess().setCommand("caf\u00e9\u0007");
        assertThat(FindingMessages.holder(l)).isEqualTo("Held by caf?? (pid 812).");
        l.getProcess().setCommand(null);
        assertThat(FindingMessages.holder(l)).isEqualTo("Held by pid 812.");
        l.setProcess(null);
        assertThat(FindingMessages.holder(l)).isEmpty();
        assertThat(FindingMessages.saturated(l)).doesNotContain("Held by");
    }

    /**
     * Every name at its longest (namespace and pod 63 characters, an IPv4-mapped IPv6 address, a
     * 63-character container), every knob of the namespace set, a recognised server; numbers as
     * large as a node shows them ({@code huge}: as large as the fields hold).
     */
    static ReportedListener worst(String limitedBy, Server server, String policy, boolean huge) {
        ReportedListener l = new ReportedListener();
        l.setPolicy(policy);
        l.setPod(new PodRef("n".repeat(63), "p".repeat(63), "u".repeat(36)));
        l.setFamily("IPv6");
        l.setAddress("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
        l.setPort(65535);
        l.setState(ListenerState.Saturated);
        l.setSince("2026-11-25T16:09:36Z"); // the agent writes whole seconds
        l.setDepth(huge ? Integer.MAX_VALUE : 65536);
        l.setPeakDepth(l.getDepth());
        l.setLimit(huge ? Integer.MAX_VALUE - 1 : 65535);
        l.setLimitedBy(limitedBy);
        l.setSynRecv(huge ? Integer.MAX_VALUE : 65535);
        l.setOverflowsTotal(huge ? Long.MAX_VALUE : 999_999_999_999L);
        l.setDropsTotal(l.getOverflowsTotal());
        l.setProcess(new ListenerProcess(huge ? Integer.MAX_VALUE : 4_194_304, huge ? "c".repeat(40) : "c".repeat(15),
                "f".repeat(64), "k".repeat(63), server == null ? null : server.id(), huge ? Integer.MAX_VALUE : 64));
        l.setSysctls(new NetnsSysctls(huge ? Integer.MAX_VALUE : 65535, 0, 1, huge ? Integer.MAX_VALUE : 65535));
        l.setReqQFullDropTotal(l.getOverflowsTotal());
        return l;
    }

    /** A part said whole, or not at all: never a piece of it. */
    static void wholeOrAbsent(String message, String part, String what) {
        if (!part.isEmpty() && !message.contains(part)) {
            assertThat(message).as(what).doesNotContain(part.substring(0, Math.min(24, part.length())));
        }
    }

    static List<Server> serversAndNone() {
        List<Server> servers = new ArrayList<>(Arrays.asList(Server.values()));
        servers.add(null);
        return servers;
    }

    /** Within 1 KiB, ASCII, never cut, the knob's advice whole (and the SYN advice, if asked); the rest whole or absent. */
    static void fits(ReportedListener l, String message, String what, boolean synAdvice) {
        assertThat(message.getBytes(StandardCharsets.UTF_8).length).as(what).isLessThanOrEqualTo(FindingMessages.MAX);
        assertThat(message.chars().allMatch(c -> c >= 0x20 && c < 0x7f)).as("ASCII: " + what).isTrue();
        assertThat(message).as(what).doesNotEndWith("...").endsWith(".")
                .startsWith("Listen queue of " + "n".repeat(63) + "/" + "p".repeat(63) + " port 65535 "
                        + "(ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255) is ")
                .contains(" " + FindingMessages.knob(l));
        if (synAdvice) {
            assertThat(message).as(what).contains(FindingMessages.synDropNote(l));
        }
        for (String part : List.of(FindingMessages.holder(l), FindingMessages.resetNote(l), FindingMessages.synDropNote(l),
                "Policy: " + l.getPolicy() + ".",
                "ListenOverflows of ", "it is full, so the kernel is dropping new connections", "clients see timeouts and retransmits")) {
            wholeOrAbsent(message, part, what);
        }
    }

    @Test
    void theLongestNamesWithEveryKnobSetKeepAllTheAdviceWithin1KiB() {
        int longest = 0;
        for (Server server : serversAndNone()) {
            for (String limitedBy : Arrays.asList("backlog", "somaxconn", "unknown", null)) {
                ReportedListener l = worst(limitedBy, server, "q".repeat(63), false);
                assertThat(FindingMessages.resetNote(l)).isNotEmpty();
                assertThat(FindingMessages.synDropNote(l)).contains("TCPReqQFullDrop: 999999999999");
                assertThat(FindingMessages.holder(l)).isNotEmpty();
                for (String message : List.of(FindingMessages.saturated(l), FindingMessages.overflow(l))) {
                    String what = server + "/" + limitedBy + " (" + message.length() + "): " + message;
                    fits(l, message, what, true);
                    if (!"somaxconn".equals(limitedBy)) {
                        // The somaxconn advice, with its kubelet and PodSecurity prerequisites, leaves no room for
                        // what clients see; everywhere else it is said too.
                        assertThat(message).as(what).contains(FindingMessages.resetNote(l));
                    }
                    longest = Math.max(longest, message.length());
                }
            }
        }
        assertThat(longest).isGreaterThan(900);
    }

    @Test
    void numbersAsLargeAsTheFieldsHoldStillLeaveTheAdviceWhole() {
        for (Server server : serversAndNone()) {
            for (String limitedBy : Arrays.asList("backlog", "somaxconn", "unknown", null)) {
                for (String policy : List.of("web", "q".repeat(253))) {
                    ReportedListener l = worst(limitedBy, server, policy, true);
                    for (String message : List.of(FindingMessages.saturated(l), FindingMessages.overflow(l))) {
                        // Beyond what a node shows, the knob's advice still comes whole; the rest as room allows.
                        fits(l, message, server + "/" + limitedBy + "/" + policy.length() + " (" + message.length() + "): "
                                + message, false);
                    }
                }
            }
        }
    }

    @Test
    void whatGivesWayIsThePolicyThenTheHolder() {
        ReportedListener l = worst("somaxconn", Server.JAVA, "q".repeat(253), false);
        String message = FindingMessages.saturated(l);
        assertThat(message).doesNotContain("Policy: ");
        ReportedListener shortNames = listener("somaxconn", Server.JAVA);
        shortNames.getProcess().setHolders(3);
        assertThat(FindingMessages.saturated(shortNames)).contains("Held by java (pid 812, container web, +2 more processes).")
                .endsWith(" Policy: web.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"backlog", "somaxconn"})
    void theNodeConditionNamesTheKnobAndFits(String limitedBy) {
        List<ReportedListener> many = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            many.add(worst(limitedBy, Server.values()[i % Server.values().length], "web", true));
        }
        String condition = FindingMessages.condition(many, 30);
        assertThat(condition.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(FindingMessages.MAX);
        assertThat(FindingMessages.condition(List.of(listener(limitedBy, Server.NGINX)), 3))
                .contains(limitedBy.equals("backlog") ? "limited by the listen() backlog of nginx."
                        : "limited by net.core.somaxconn (an unsafe sysctl).");
    }
}
