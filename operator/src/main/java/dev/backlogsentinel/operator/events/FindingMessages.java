package dev.backlogsentinel.operator.events;

import dev.backlogsentinel.api.report.ReportedListener;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The words users read in `kubectl describe`: what is full, by how much, since when, which knob
 * limits it and what to change. Messages are cut to 1 KiB, the budget of an event note.
 */
public final class FindingMessages {

    public static final int MAX = 1024;

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

    /** Which knob limits the queue and what to change, in one sentence. */
    public static String knob(ReportedListener l) {
        String limit = l.getLimit() == null ? "" : " (" + l.getLimit() + ")";
        return switch (l.getLimitedBy() == null ? "unknown" : l.getLimitedBy()) {
            case "backlog" -> "The limit" + limit + " is the application's listen() backlog, below net.core.somaxconn: "
                    + "raise the backlog the application passes to listen().";
            case "somaxconn" -> "The limit" + limit + " is net.core.somaxconn of the pod's network namespace: raise it in "
                    + "the pod's securityContext.sysctls (net.core.somaxconn), and the application's listen() backlog "
                    + "with it; the application must listen() again for a new limit to apply.";
            default -> "Which knob sets the limit" + limit + " is unknown: check the application's listen() backlog and "
                    + "net.core.somaxconn in the pod's securityContext.sysctls.";
        };
    }

    public static String saturated(ReportedListener l) {
        boolean full = l.getLimit() != null && l.getDepth() > l.getLimit();
        return cut("Listen queue of " + where(l) + " is saturated at " + fill(l) + " since " + l.getSince()
                + (full ? "; it is full, so the kernel is dropping new connections" : "")
                + " (ListenOverflows of its network namespace: " + l.getOverflowsTotal() + "). " + knob(l)
                + " Policy: " + l.getPolicy() + ".");
    }

    public static String overflow(ReportedListener l) {
        return cut("Listen queue of " + where(l) + " is full at " + fill(l) + ": the kernel dropped connection attempts "
                + "(ListenOverflows of the pod's network namespace: " + l.getOverflowsTotal() + " packets so far, "
                + "ListenDrops: " + l.getDropsTotal() + "); clients see timeouts and retransmits. " + knob(l));
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

    /** The node condition's message: the worst listeners, each with its fill, since when and knob. */
    public static String condition(List<ReportedListener> worstFirst, int shown) {
        StringBuilder sb = new StringBuilder();
        sb.append(worstFirst.size()).append(worstFirst.size() == 1 ? " listen queue is" : " listen queues are")
                .append(" saturated: ");
        for (int i = 0; i < Math.min(shown, worstFirst.size()); i++) {
            ReportedListener l = worstFirst.get(i);
            sb.append(i == 0 ? "" : "; ").append(where(l)).append(" at ").append(fill(l)).append(" since ")
                    .append(l.getSince()).append(", limited by ").append(knobName(l.getLimitedBy()));
        }
        if (worstFirst.size() > shown) {
            sb.append("; and ").append(worstFirst.size() - shown).append(" more");
        }
        return cut(sb.append(". See the pods' events for what to change.").toString());
    }

    static String knobName(String limitedBy) {
        return switch (limitedBy == null ? "unknown" : limitedBy) {
            case "backlog" -> "the application's listen() backlog";
            case "somaxconn" -> "net.core.somaxconn";
            default -> "an unknown knob";
        };
    }

    public static String cut(String message) {
        // ASCII only, so characters are bytes: the note fits its 1 KiB.
        return message.length() <= MAX ? message : message.substring(0, MAX - 3) + "...";
    }
}
