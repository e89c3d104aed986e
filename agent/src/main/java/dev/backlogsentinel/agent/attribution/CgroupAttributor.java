package dev.backlogsentinel.agent.attribution;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the pod UID and container id from the text of /proc/&lt;pid&gt;/cgroup. Understands cgroup v1
 * and v2, the cgroupfs and systemd drivers, containerd, CRI-O and docker, nested nodes (kind) and
 * paths made relative by a cgroup namespace ("/../.."). Anything else under kubepods is reported
 * as unrecognised.
 *
 * <p>Strict, as the kernel prints the file (proc_cgroup_show): one line per hierarchy,
 * {@code <id>:<controllers>:<path>\n}, where the id is a decimal without sign or leading zero, the
 * controllers are comma-separated names (and {@code name=<name>} for a named v1 hierarchy), empty
 * exactly for the v2 hierarchy (id 0), and the path starts with '/' and holds no control character
 * (a v2 path may end " (deleted)"). A line of another shape, a hierarchy listed twice, a last line
 * without its newline (a cut file) and an empty file are counted as malformed; attribution comes
 * from the well-formed lines only, and lines naming two different pods name none.
 *
 * <p>A pod UID is believed only in the form the kubelet writes it: canonical 8-4-4-4-12 lower-case
 * hex with dashes ({@code pod<uid>}, cgroupfs driver) or with every dash as '_' ({@code
 * ...-pod<uid_with_underscores>.slice}, systemd driver, which escapes '-'). A static pod's UID is
 * the 32-hex hash of its manifest, which the systemd driver shows as {@code ...-pod<32hex>.slice}:
 * that is reported as is. A 32-hex id in the cgroupfs form is not guessed at (it could as well be a
 * UID that lost its dashes): the process is unrecognised. Any other near-UID (mixed separators,
 * upper case, wrong groups) is unrecognised and counted as malformed.
 */
public final class CgroupAttributor {

    /**
     * Read cap for one /proc/&lt;pid&gt;/cgroup: a line per hierarchy (about 15 on cgroup v1, one on
     * v2), each path at most PATH_MAX (4096; the kernel refuses longer with ENAMETOOLONG), so a real
     * file stays well below this; anything longer is not a cgroup file.
     */
    public static final int MAX_FILE_BYTES = 128 * 1024;

    private static final String HEX8_4_4_4_12 = "[0-9a-f]{8}%1$s[0-9a-f]{4}%1$s[0-9a-f]{4}%1$s[0-9a-f]{4}%1$s[0-9a-f]{12}";
    private static final String UID_DASHED = HEX8_4_4_4_12.formatted("-");
    private static final String UID_UNDERSCORED = HEX8_4_4_4_12.formatted("_");
    private static final String CONFIG_HASH = "[0-9a-f]{32}";
    /** cgroupfs driver: .../kubepods/burstable/pod&lt;uid&gt;/&lt;id&gt; */
    private static final Pattern CGROUPFS_POD = Pattern.compile("^pod(" + UID_DASHED + ")$");
    /** systemd driver: kubepods-burstable-pod&lt;uid_with_underscores&gt;.slice (static pods: the 32-hex config hash) */
    private static final Pattern SYSTEMD_POD = Pattern.compile("^(?:[a-z0-9-]*-)?pod(" + UID_UNDERSCORED + "|" + CONFIG_HASH + ")\\.slice$");
    /** systemd scope of a container: cri-containerd-&lt;id&gt;.scope, crio-&lt;id&gt;.scope, docker-&lt;id&gt;.scope */
    private static final Pattern SCOPE = Pattern.compile("^(cri-containerd|crio-conmon|crio|docker|containerd)-([0-9a-f]{64})\\.scope$");
    /** containerd's systemd cgroupsPath form, seen nested under containerd.service: slice:prefix:id */
    private static final Pattern COLON_FORM = Pattern.compile("^(?:[a-z0-9-]*-)?pod(" + UID_UNDERSCORED + "|" + CONFIG_HASH
            + ")\\.slice:(cri-containerd|crio|docker):([0-9a-f]{64})$");
    private static final Pattern BARE_ID = Pattern.compile("^([0-9a-f]{64})$");
    /** A 32-hex id in the cgroupfs form: a static pod's hash, or a UID without its dashes. Not guessed. */
    private static final Pattern CGROUPFS_HASH = Pattern.compile("^pod" + CONFIG_HASH + "$");
    /** Looks like a pod segment but is none of the forms above: refused and counted. */
    private static final Pattern NEAR_POD = Pattern.compile("^(?:[a-z0-9-]*-)?pod[0-9A-Fa-f_-]{28,40}(?:\\.slice(?::.*)?)?$");
    /** Looks like a container id or scope but is not one. */
    private static final Pattern NEAR_CONTAINER = Pattern.compile("^(?:(?:cri-containerd|crio-conmon|crio|docker|containerd)-.*\\.scope|[0-9A-Fa-f]{40,80})$");
    private static final Pattern CONTROLLER = Pattern.compile("^(?:[a-z0-9_]+|name=[A-Za-z0-9_.-]+)$");

    private CgroupAttributor() {
    }

    /**
     * One read of the file.
     *
     * @param attribution what the well-formed lines say
     * @param malformed   lines (or problems) refused
     * @param firstProblem what was wrong with the first of them, null when none
     */
    public record Parsed(ProcessAttribution attribution, int malformed, String firstProblem) {
    }

    /** Attributes a process from the whole content of its cgroup file. */
    public static ProcessAttribution attribute(String cgroupFile) {
        return parse(cgroupFile).attribution();
    }

    /** Attributes a process from the whole content of its cgroup file, saying what it refused. */
    public static Parsed parse(String cgroupFile) {
        Problems problems = new Problems();
        if (cgroupFile.isEmpty()) {
            problems.add("the file is empty (the kernel prints a line per hierarchy)");
            return new Parsed(ProcessAttribution.notAPod(""), problems.count, problems.first);
        }
        List<String> lines = splitLines(cgroupFile, problems);
        String[] paths = wellFormedPaths(lines, problems);
        ProcessAttribution attribution = attribution(lines, paths, problems);
        return new Parsed(attribution, problems.count, problems.first);
    }

    /** The file's lines, each ended by '\n' as the kernel prints it; a last line without one was cut, and is refused. */
    private static List<String> splitLines(String cgroupFile, Problems problems) {
        List<String> lines = new ArrayList<>();
        int pos = 0;
        while (pos < cgroupFile.length()) {
            int end = cgroupFile.indexOf('\n', pos);
            if (end < 0) {
                problems.add("line " + (lines.size() + 1) + " has no newline (the file was cut): " + excerpt(cgroupFile.substring(pos)));
                break;
            }
            lines.add(cgroupFile.substring(pos, end));
            pos = end + 1;
        }
        return lines;
    }

    /** The path of each line, or null for a line refused. */
    private static String[] wellFormedPaths(List<String> lines, Problems problems) {
        // Shape first, then hierarchies listed twice: neither copy is believed.
        Map<String, Integer> ids = new HashMap<>();
        String[] paths = new String[lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            String why = shape(lines.get(i));
            if (why != null) {
                problems.add("line " + (i + 1) + ": " + why + ": " + excerpt(lines.get(i)));
                continue;
            }
            paths[i] = pathOf(lines.get(i));
            ids.merge(hierarchyId(lines.get(i)), 1, Integer::sum);
        }
        for (int i = 0; i < lines.size(); i++) {
            if (paths[i] != null) {
                String id = hierarchyId(lines.get(i));
                if (ids.get(id) > 1) {
                    problems.add("line " + (i + 1) + ": hierarchy " + id + " listed more than once: " + excerpt(lines.get(i)));
                    paths[i] = null;
                }
            }
        }
        return paths;
    }

    /** The hierarchy id of a line: what comes before its first ':'. */
    private static String hierarchyId(String line) {
        return line.substring(0, line.indexOf(':'));
    }

    /** The path of a well-formed line, without the " (deleted)" a v2 path may end with. */
    private static String pathOf(String line) {
        int first = line.indexOf(':');
        int second = line.indexOf(':', first + 1);
        String path = line.substring(second + 1);
        return path.endsWith(" (deleted)") ? path.substring(0, path.length() - " (deleted)".length()) : path;
    }

    /**
     * What the well-formed lines say: the pod their kubepods paths name; else the first kubepods
     * path not understood (unrecognised); else not a pod. Lines naming two different pods name none.
     */
    private static ProcessAttribution attribution(List<String> lines, String[] paths, Problems problems) {
        ProcessAttribution chosen = null;
        String firstKubepods = null;
        for (String path : paths) {
            if (path == null || !path.contains("kubepods")) {
                continue;
            }
            ProcessAttribution a = fromPath(path, problems);
            if (a.kind() == ProcessAttribution.Kind.UNRECOGNISED) {
                if (firstKubepods == null) {
                    firstKubepods = path;
                }
                continue;
            }
            if (chosen == null) {
                chosen = a;
            } else if (!chosen.podUid().equals(a.podUid())) {
                problems.add("two hierarchies name different pods: " + chosen.podUid() + " and " + a.podUid());
                return new ProcessAttribution(ProcessAttribution.Kind.UNRECOGNISED, null, null, null, path);
            }
        }
        if (chosen != null) {
            return chosen;
        }
        if (firstKubepods != null) {
            return new ProcessAttribution(ProcessAttribution.Kind.UNRECOGNISED, null, null, null, firstKubepods);
        }
        return ProcessAttribution.notAPod(firstWellFormedLine(lines, paths));
    }

    /** The first line believed, "" when none is. */
    private static String firstWellFormedLine(List<String> lines, String[] paths) {
        for (int i = 0; i < paths.length; i++) {
            if (paths[i] != null) {
                return lines.get(i);
            }
        }
        return "";
    }

    /** Why a line is not {@code <id>:<controllers>:<path>} as the kernel prints it, or null when it is. */
    static String shape(String line) {
        int first = line.indexOf(':');
        if (first < 0) {
            return "no ':' (not <id>:<controllers>:<path>)";
        }
        String id = line.substring(0, first);
        if (id.isEmpty() || !id.chars().allMatch(c -> c >= '0' && c <= '9') || (id.length() > 1 && id.charAt(0) == '0')
                || id.length() > 10) {
            return "hierarchy id '" + printable(id) + "' is not an unsigned decimal";
        }
        int second = line.indexOf(':', first + 1);
        if (second < 0) {
            return "one ':' only (not <id>:<controllers>:<path>)";
        }
        String controllers = line.substring(first + 1, second);
        if (id.equals("0") != controllers.isEmpty()) {
            return id.equals("0") ? "hierarchy 0 (cgroup v2) with controllers" : "a cgroup v1 hierarchy without controllers";
        }
        if (!controllers.isEmpty()) {
            for (String c : controllers.split(",", -1)) {
                if (!CONTROLLER.matcher(c).matches()) {
                    return "controller '" + printable(c) + "' is not a controller name";
                }
            }
        }
        String path = line.substring(second + 1);
        if (!path.startsWith("/")) {
            return "the path does not start with '/' (a column added or removed?)";
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return c == '\r' ? "a carriage return in the path" : "a control character in the path";
            }
        }
        return null;
    }

    static ProcessAttribution fromPath(String path) {
        return fromPath(path, new Problems());
    }

    private static ProcessAttribution fromPath(String path, Problems problems) {
        String podUid = null;
        String containerId = null;
        String runtime = null;
        boolean helper = false;
        for (String segment : path.split("/")) {
            Matcher m;
            if ((m = COLON_FORM.matcher(segment)).matches()) {
                podUid = normalise(m.group(1));
                runtime = runtimeName(m.group(2));
                containerId = m.group(3);
            } else if ((m = SYSTEMD_POD.matcher(segment)).matches() || (m = CGROUPFS_POD.matcher(segment)).matches()) {
                podUid = normalise(m.group(1));
            } else if (podUid != null && (m = SCOPE.matcher(segment)).matches()) {
                helper = m.group(1).equals("crio-conmon");
                runtime = runtimeName(m.group(1));
                containerId = m.group(2);
            } else if (podUid != null && (m = BARE_ID.matcher(segment)).matches()) {
                containerId = m.group(1);
            } else if (CGROUPFS_HASH.matcher(segment).matches()) {
                // Not guessed: a static pod's hash under the cgroupfs driver, or a UID without its dashes.
                return new ProcessAttribution(ProcessAttribution.Kind.UNRECOGNISED, null, null, null, path);
            } else if (NEAR_POD.matcher(segment).matches()) {
                problems.add("'" + printable(segment) + "' is not a pod UID in the kubelet's form (8-4-4-4-12 lower-case hex): " + excerpt(path));
                return new ProcessAttribution(ProcessAttribution.Kind.UNRECOGNISED, null, null, null, path);
            } else if (podUid != null && NEAR_CONTAINER.matcher(segment).matches()) {
                problems.add("'" + printable(segment) + "' is not a container id (64 lower-case hex): " + excerpt(path));
                return new ProcessAttribution(ProcessAttribution.Kind.UNRECOGNISED, null, null, null, path);
            }
        }
        if (podUid == null) {
            return new ProcessAttribution(ProcessAttribution.Kind.UNRECOGNISED, null, null, null, path);
        }
        return new ProcessAttribution(helper ? ProcessAttribution.Kind.RUNTIME_HELPER : ProcessAttribution.Kind.POD,
                podUid, containerId, runtime, path);
    }

    private static String runtimeName(String prefix) {
        return switch (prefix) {
            case "cri-containerd", "containerd" -> "containerd";
            case "crio", "crio-conmon" -> "cri-o";
            case "docker" -> "docker";
            default -> null;
        };
    }

    /** systemd escapes '-' in slice names as '_': the API's UID has dashes (a 32-hex hash has none to restore). */
    private static String normalise(String uid) {
        return uid.replace('_', '-');
    }

    private static String excerpt(String s) {
        String cut = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        return printable(cut);
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return out.toString();
    }

    private static final class Problems {
        int count;
        String first;

        void add(String what) {
            if (count++ == 0) {
                first = what;
            }
        }
    }
}
