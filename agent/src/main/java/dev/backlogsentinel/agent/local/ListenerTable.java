package dev.backlogsentinel.agent.local;

import dev.backlogsentinel.agent.attribution.NetnsAttribution;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import dev.backlogsentinel.agent.kernel.ReaderKind;
import dev.backlogsentinel.agent.scan.LimitedBy;
import dev.backlogsentinel.agent.scan.ListenerFinding;
import dev.backlogsentinel.agent.scan.NetnsScan;
import dev.backlogsentinel.agent.scan.NodeScan;
import dev.backlogsentinel.agent.kernel.ScanErrors;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** Renders a scan as the local-mode table: one row per listener, worst first across all namespaces. */
public final class ListenerTable {

    private static final String FORMAT = "%-12s %-36s %-28s %13s %8s %-10s %8s %16s %16s  %s%n";

    private ListenerTable() {
    }

    public static String render(NodeScan scan, int maxRows) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Backlog Sentinel: %d listeners in %d network namespaces, reader %s, scan %.1f ms, %s%n",
                scan.listenerCount(), scan.namespaces().size(), scan.reader(), scan.took().toNanos() / 1e6, scan.at()));
        if (scan.readerNote() != null) {
            out.append("note: ").append(scan.readerNote()).append('\n');
        }
        if (scan.errors().total() > 0) {
            List<String> parts = new ArrayList<>();
            scan.errors().counts().forEach((k, v) -> parts.add(k.label() + " " + v));
            // The first error that is not churn, with where it happened; the JSON's errorDetails has the first 20.
            LocalReport.ErrorDetail first = LocalReport.errorDetails(scan).stream()
                    .filter(d -> !d.kind().equals(ScanErrors.Kind.VANISHED.label())).findFirst().orElse(null);
            out.append("scan errors: ").append(String.join(", ", parts)).append(first != null ? " (first: " + describe(first) + ")" : "")
                    .append('\n');
        }
        out.append(String.format(Locale.ROOT, FORMAT, "NETNS", "POD UID", "ADDRESS:PORT", "DEPTH/LIMIT", "USAGE",
                "LIMITEDBY", "SYN_RECV", "OVERFLOWS(+NEW)", "DROPS(+NEW)", "PROCESS"));
        List<Row> rows = new ArrayList<>();
        for (NetnsScan ns : scan.namespaces()) {
            for (ListenerFinding l : ns.listeners()) {
                rows.add(new Row(ns, l));
            }
        }
        rows.sort(Comparator.comparing(Row::listener, ListenerFinding::worstFirst));
        int shown = 0;
        for (Row row : rows) {
            if (shown++ == maxRows) {
                out.append(String.format(Locale.ROOT, "... %d more listeners (--rows to show more)%n", rows.size() - maxRows));
                break;
            }
            out.append(row(row.ns, row.listener));
        }
        return out.toString();
    }

    private static String row(NetnsScan ns, ListenerFinding l) {
        NetnsCounters c = ns.counters();
        NetnsCounters d = ns.delta();
        String limit = l.limit() == null ? "?" : (l.limitedBy() == LimitedBy.UNKNOWN
                && ns.reader() == ReaderKind.PROCFS ? "<=" : "") + l.limit();
        String usage = l.usagePercent() == null ? "?" : String.format(Locale.ROOT, "%.1f%%", l.usagePercent());
        return String.format(Locale.ROOT, FORMAT,
                ns.nsInode() != null ? ns.nsInode().toString() : "?",
                owner(ns.attribution()),
                l.endpoint().toString(),
                l.depth() + "/" + limit + (l.full() ? "!" : ""),
                usage,
                l.limitedBy().label(),
                Integer.toString(l.synRecv()),
                c == null ? "?" : withDelta(c.listenOverflows(), d == null ? null : d.listenOverflows()),
                c == null ? "?" : withDelta(c.listenDrops(), d == null ? null : d.listenDrops()),
                l.owner() == null ? "-" : l.owner().label());
    }

    /** "malformed in /proc/42/net/tcp (netns 4026532177): line 3: ...", on one printable line. */
    static String describe(LocalReport.ErrorDetail d) {
        StringBuilder sb = new StringBuilder(d.kind());
        if (d.file() != null) {
            sb.append(" in ").append(d.file());
        }
        if (d.netns() != null) {
            sb.append(" (netns ").append(d.netns()).append(')');
        } else if (d.key() != null) {
            sb.append(" (netns key ").append(d.key()).append(')');
        }
        if (d.count() > 1) {
            sb.append(" x").append(d.count());
        }
        sb.append(": ").append(d.message());
        String text = sb.length() > 300 ? sb.substring(0, 300) + "..." : sb.toString();
        StringBuilder clean = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            clean.append(c >= 0x20 && c != 0x7f ? c : '?');
        }
        return clean.toString();
    }

    private static String owner(NetnsAttribution a) {
        return switch (a.kind()) {
            case POD -> a.podUid();
            case HOST -> "(host)";
            case SHARED -> "(several pods)";
            case NONE -> "-";
            case UNRECOGNISED -> "(unrecognised cgroup)";
        };
    }

    private static String withDelta(long total, Long delta) {
        return delta == null ? Long.toString(total) : total + " (+" + delta + ")";
    }

    private record Row(NetnsScan ns, ListenerFinding listener) {
    }
}
