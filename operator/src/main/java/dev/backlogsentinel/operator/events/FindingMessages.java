package dev.backlogsentinel.operator.events;

import dev.backlogsentinel.api.advice.Server;
import dev.backlogsentinel.api.report.ListenerProcess;
import dev.backlogsentinel.api.report.NetnsSysctls;
import dev.backlogsentinel.api.report.ReportedListener;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The words users read in `kubectl describe`: what is full, by how much, since when, who holds
 * the socket, which knob limits it and what to change. Messages fit the 1 KiB of an event note
 * and are never cut: they are built from parts ranked by importance, and when the longest names
 * would pass the budget whole parts give way, least important first (the policy, the counters,
 * the holder, "it is full", what clients see, the SYN advice), while what is full and what to
 * change about the limiting knob always stay.
 */
public final class FindingMessages {

    public static final int MAX = 1024;

    /** How long a part is kept when a message would pass {@link #MAX}: higher stays longer. */
    private static final int POLICY = 1;
    private static final int COUNTER = 2;
    private static final int HOLDER = 3;
    private static final int FULL = 4;
    private static final int RESET_NOTE = 5;
    private static final int SYN_NOTE = 6;
    private static final int REQUIRED = Integer.MAX_VALUE;

    static final String GENERIC_BACKLOG = "raise the backlog the application passes to listen().";
    static final String UNSAFE_SYSCTL = "It is an unsafe sysctl: unless the kubelet allows it "
            + "(--allowed-unsafe-sysctls=net.core.somaxconn, or allowedUnsafeSysctls in KubeletConfiguration) the pod "
            + "fails with SysctlForbidden, and PodSecurity baseline and restricted refuse it (the namespace must be "
            + "privileged).";

    private FindingMessages() {
    }

    public static String where(ReportedListener l) {
        return l.getPod().getNamespace() + "/" + l.getPod().getName() + " port " + l.getPort()
                + " (" + l.getAddress() + ")";
    }

    public static String fill(ReportedListener l) {
        if (l.getLimit() == null) {
            return l.getDepth() + " queued (limit unknown)";
        }
        long percent = Math.round(100.0 * l.getDepth() / Math.max(l.getLimit(), 1));
        return l.getDepth() + "/" + l.getLimit() + " (" + percent + "%)";
    }

    /** The server the agent recognised holding the socket, if any. */
    static Server server(ReportedListener l) {
        return l.getProcess() == null ? null : Server.byId(l.getProcess().getServer());
    }

    /** Who holds the socket, e.g. "Held by nginx (pid 812, container web, +3 more processes)."; empty when not known. */
    public static String holder(ReportedListener l) {
        ListenerProcess p = l.getProcess();
        if (p == null) {
            return "";
        }
        String command = printable(p.getCommand(), 15);
        if (command.isEmpty() && p.getPid() == null) {
            return "";
        }
        List<String> details = new ArrayList<>();
        String who;
        if (command.isEmpty()) {
            who = "pid " + p.getPid();
        } else {
            who = command;
            if (p.getPid() != null) {
                details.add("pid " + p.getPid());
            }
        }
        String container = printable(p.getContainer(), 63);
        if (!container.isEmpty()) {
            details.add("container " + container);
        }
        int more = p.getHolders() == null ? 0 : p.getHolders() - 1;
        if (more > 0) {
            details.add("+" + more + (more == 1 ? " more process" : " more processes"));
        }
        return "Held by " + who + (details.isEmpty() ? "" : " (" + String.join(", ", details) + ")") + ".";
    }

    /** Which knob limits the queue and what to change, for the server holding it when it is recognised. */
    public static String knob(ReportedListener l) {
        String limit = l.getLimit() == null ? "" : " (" + l.getLimit() + ")";
        Server server = server(l);
        return switch (l.getLimitedBy() == null ? "unknown" : l.getLimitedBy()) {
            case "backlog" -> server == null
                    ? "The limit" + limit + " is the application's listen() backlog, below net.core.somaxconn: " + GENERIC_BACKLOG
                    : "The limit" + limit + " is the listen() backlog " + ServerAdvice.name(server) + " passed, below "
                            + "net.core.somaxconn" + somaxconn(l) + ": " + ServerAdvice.raiseBacklog(server, l.getPort());
            case "somaxconn" -> {
                String alongside = server == null ? "the application's listen() backlog" : ServerAdvice.alongside(server);
                yield "The limit" + limit + " is net.core.somaxconn of the pod's network namespace: raise it in "
                        + "securityContext.sysctls" + (alongside == null ? "" : ", and " + alongside + " with it") + ". "
                        + UNSAFE_SYSCTL + " " + ServerAdvice.restart(server);
            }
            default -> {
                String alongside = server == null ? null : ServerAdvice.alongside(server);
                yield "Which knob sets the limit" + limit + " is unknown: check "
                        + (alongside == null ? "the application's listen() backlog" : alongside) + " and net.core.somaxconn "
                        + "of the pod's network namespace (an unsafe sysctl: securityContext.sysctls may set it only where the "
                        + "kubelet allows it and the namespace's PodSecurity level is privileged).";
            }
        };
    }

    private static String somaxconn(ReportedListener l) {
        NetnsSysctls s = l.getSysctls();
        return s == null || s.getSomaxconn() == null ? "" : " (" + s.getSomaxconn() + ")";
    }

    /** With tcp_abort_on_overflow=1 a full queue answers a completed handshake with a reset: clients fail at once. */
    public static String resetNote(ReportedListener l) {
        NetnsSysctls s = l.getSysctls();
        if (s == null || s.getTcpAbortOnOverflow() == null || s.getTcpAbortOnOverflow() != 1) {
            return "";
        }
        return "net.ipv4.tcp_abort_on_overflow is 1 here: clients whose handshake completes while the queue is full get "
                + "a connection reset (RST, ECONNRESET), not a timeout.";
    }

    /** With syncookies off, a full SYN queue drops SYNs; turning them on is a safe sysctl. */
    public static String synDropNote(ReportedListener l) {
        NetnsSysctls s = l.getSysctls();
        if (s == null || s.getTcpSyncookies() == null || s.getTcpSyncookies() != 0) {
            return "";
        }
        long dropped = l.getReqQFullDropTotal() == null ? 0 : l.getReqQFullDropTotal();
        boolean synQueueFull = l.getSynRecv() != null && l.getLimit() != null && l.getSynRecv() >= l.getLimit();
        if (dropped <= 0 && !synQueueFull) {
            return "";
        }
        return "SYNs are being dropped: the SYN queue is full and syncookies are off"
                + (dropped > 0 ? " (TCPReqQFullDrop: " + dropped + ")" : "") + "; set net.ipv4.tcp_syncookies=1 in "
                + "securityContext.sysctls, a safe sysctl.";
    }

    public static String saturated(ReportedListener l) {
        boolean full = l.full();
        return compose(List.of(
                new Part("", "Listen queue of " + where(l) + " is saturated at " + fill(l) + " since " + l.getSince(), REQUIRED),
                new Part("; ", full ? "it is full, so the kernel is dropping new connections" : "", FULL),
                new Part(" (", "ListenOverflows of its network namespace: " + l.getOverflowsTotal() + ")", COUNTER),
                new Part("", ".", REQUIRED),
                new Part(" ", holder(l), HOLDER),
                new Part(" ", knob(l), REQUIRED),
                new Part(" ", resetNote(l), RESET_NOTE),
                new Part(" ", synDropNote(l), SYN_NOTE),
                new Part(" ", "Policy: " + l.getPolicy() + ".", POLICY)));
    }

    public static String overflow(ReportedListener l) {
        return compose(List.of(
                new Part("", "Listen queue of " + where(l) + " is full at " + fill(l) + ": the kernel dropped connection attempts",
                        REQUIRED),
                new Part(" (", "ListenOverflows of the pod's network namespace: " + l.getOverflowsTotal() + " packets so far, "
                        + "ListenDrops: " + l.getDropsTotal() + ")", COUNTER),
                new Part("; ", "clients see timeouts and retransmits", FULL),
                new Part("", ".", REQUIRED),
                new Part(" ", holder(l), HOLDER),
                new Part(" ", knob(l), REQUIRED),
                new Part(" ", resetNote(l), RESET_NOTE),
                new Part(" ", synDropNote(l), SYN_NOTE)));
    }

    /** The end of a finding, with how long it lasted (its events' counts and first sightings may have expired). */
    public static String recovered(String where, String since, Instant now) {
        String lasted = "";
        try {
            lasted = ", " + duration(Duration.between(Instant.parse(since), now));
        } catch (RuntimeException e) {
            // A since we cannot read is still worth quoting as it is.
        }
        return cut("Listen queue of " + where + " is no longer saturated (saturated from " + since + " to "
                + now.truncatedTo(ChronoUnit.SECONDS) + lasted + ").");
    }

    /** 45s, 12m5s, 3h2m: what kubectl prints for ages. */
    static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + (s % 60 == 0 ? "" : (s % 60) + "s");
        }
        return (s / 3600) + "h" + ((s % 3600) / 60 == 0 ? "" : ((s % 3600) / 60) + "m");
    }

    /**
     * The node condition's message: the longest-Saturated listeners, each with its limit, since when
     * and knob. No depth: the condition is on nodes/status, a large object many clients watch, so
     * its text changes only when what is Saturated does (the depths are in the pods' events).
     */
    public static String condition(List<ReportedListener> longestFirst, int shown) {
        StringBuilder sb = new StringBuilder();
        sb.append(longestFirst.size()).append(longestFirst.size() == 1 ? " listen queue is" : " listen queues are")
                .append(" saturated: ");
        for (int i = 0; i < Math.min(shown, longestFirst.size()); i++) {
            ReportedListener l = longestFirst.get(i);
            sb.append(i == 0 ? "" : "; ").append(where(l)).append(l.getLimit() == null ? "" : ", limit " + l.getLimit())
                    .append(", since ").append(l.getSince()).append(", limited by ").append(knobName(l));
        }
        if (longestFirst.size() > shown) {
            sb.append("; and ").append(longestFirst.size() - shown).append(" more");
        }
        return cut(printable(sb.append(". See the pods' events for how full and what to change.").toString(), Integer.MAX_VALUE));
    }

    static String knobName(ReportedListener l) {
        Server server = server(l);
        return switch (l.getLimitedBy() == null ? "unknown" : l.getLimitedBy()) {
            case "backlog" -> server == null ? "the application's listen() backlog"
                    : "the listen() backlog of " + ServerAdvice.name(server);
            case "somaxconn" -> "net.core.somaxconn (an unsafe sysctl)";
            default -> "an unknown knob";
        };
    }

    public static String cut(String message) {
        // ASCII only, so characters are bytes: the note fits its 1 KiB.
        return message.length() <= MAX ? message : message.substring(0, MAX - 3) + "...";
    }

    /**
     * A piece of a message (a sentence, or a parenthesis within one), what joins it to the piece
     * before, and how long it is kept when the message would pass {@link #MAX}.
     */
    private record Part(String before, String text, int rank) {
    }

    /**
     * Joins the parts, leaving out whole parts, lowest rank first (the last of equals first), until
     * the message fits: a part is said whole or not at all.
     */
    private static String compose(List<Part> parts) {
        List<Part> kept = new ArrayList<>();
        for (Part p : parts) {
            String text = printable(p.text(), Integer.MAX_VALUE);
            if (!text.isEmpty()) {
                kept.add(new Part(p.before(), text, p.rank()));
            }
        }
        if (!kept.isEmpty()) {
            kept.set(0, new Part("", kept.getFirst().text(), kept.getFirst().rank()));
        }
        while (joined(kept).length() > MAX) {
            int drop = -1;
            for (int i = 0; i < kept.size(); i++) {
                int rank = kept.get(i).rank();
                if (rank != REQUIRED && (drop < 0 || rank <= kept.get(drop).rank())) {
                    drop = i;
                }
            }
            if (drop < 0) {
                break;
            }
            kept.remove(drop);
        }
        return cut(joined(kept));
    }

    private static String joined(List<Part> parts) {
        return parts.stream().map(p -> p.before() + p.text()).collect(Collectors.joining());
    }

    /** ASCII printable only (a process may name itself anything), at most max characters; null is empty. */
    static String printable(String s, int max) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max));
        s.strip().codePoints().limit(max).forEach(c -> sb.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
        return sb.toString();
    }
}
