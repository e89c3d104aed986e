package dev.backlogsentinel.e2e;

import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a real `kubectl describe` that Backlog Sentinel writes, cut from its output as a user
 * would quote them, and compared with the README's quote of them except for what changes from run
 * to run (numbers, times, ages, column widths).
 */
final class DescribeText {

    /** Our reasons, in the order a story reads: kubectl orders events by their last time, in whole seconds, so ties vary. */
    static final List<String> REASONS = List.of("BacklogAgentNotReporting", "ListenQueuePressure", "NoListenQueuePressure",
            "ListenQueueSaturated", "ListenQueueOverflow", "ListenQueueRecovered");

    private DescribeText() {
    }

    /** `$ kubectl describe ...`, then the ListenQueuePressure condition (if any) and our events, with their headers. */
    static String excerpt(String command, String describe) {
        List<String> lines = describe.lines().toList();
        List<String> out = new ArrayList<>(List.of("$ kubectl " + command, "..."));
        int conditions = indexOf(lines, "Conditions:");
        if (conditions >= 0 && lines.stream().anyMatch(l -> l.strip().startsWith("ListenQueuePressure "))) {
            out.add("Conditions:");
            out.add(lines.get(conditions + 1));
            out.add(lines.get(conditions + 2));
            lines.stream().filter(l -> l.strip().startsWith("ListenQueuePressure ")).forEach(out::add);
            out.add("...");
        }
        int events = indexOf(lines, "Events:");
        out.add("Events:");
        out.add(lines.get(events + 1));
        out.add(lines.get(events + 2));
        lines.subList(events + 3, lines.size()).stream().filter(l -> REASONS.contains(reason(l)))
                .sorted(java.util.Comparator.comparingInt(l -> REASONS.indexOf(reason(l)))).forEach(out::add);
        return String.join("\n", out);
    }

    private static String reason(String eventRow) {
        String[] cols = eventRow.strip().split("\\s+");
        return cols.length > 1 ? cols[1] : "";
    }

    private static int indexOf(List<String> lines, String header) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).equals(header)) {
                return i;
            }
        }
        return -1;
    }

    /** What must not change between runs: everything but numbers, times, ages and spacing. */
    static String normalise(String text) {
        return text
                // Wed, 25 Nov 2026 16:05:00 +0000
                .replaceAll("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} [+-]\\d{4}", "<time>")
                // 2026-11-25T16:05:00Z
                .replaceAll("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z", "<time>")
                // ages as kubectl prints them: 5s, 2m10s, 3h, with "(x3 over 4m)"
                .replaceAll("(?<=\\s)(\\d+[smhd])+( \\(x\\d+ over (\\d+[smhd])+\\))?(?=\\s)", "<age>")
                // durations inside messages: "(saturated from <time> to <time>, 1m5s)"
                .replaceAll("(?<=, )(\\d+[smhd])+(?=\\))", "<age>")
                .replaceAll("\\d+", "N")
                .replaceAll("[ \\t]+", " ")
                .strip();
    }
}
