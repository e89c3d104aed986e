package dev.backlogsentinel.agent.attribution;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the pod UID and container id from the text of /proc/&lt;pid&gt;/cgroup. Understands cgroup v1
 * and v2, the cgroupfs and systemd drivers, containerd, CRI-O and docker, nested nodes (kind) and
 * paths made relative by a cgroup namespace ("/../.."). Anything else under kubepods is reported
 * as unrecognised.
 */
public final class CgroupAttributor {

    private static final String UID = "[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}|[0-9a-f]{32}";
    /** cgroupfs driver: .../kubepods/burstable/pod&lt;uid&gt;/&lt;id&gt; */
    private static final Pattern CGROUPFS_POD = Pattern.compile("^pod(" + UID + ")$");
    /** systemd driver: kubepods-burstable-pod&lt;uid_with_underscores&gt;.slice */
    private static final Pattern SYSTEMD_POD = Pattern.compile("^(?:[a-z0-9-]*-)?pod(" + UID + ")\\.slice$");
    /** systemd scope of a container: cri-containerd-&lt;id&gt;.scope, crio-&lt;id&gt;.scope, docker-&lt;id&gt;.scope */
    private static final Pattern SCOPE = Pattern.compile("^(cri-containerd|crio-conmon|crio|docker|containerd)-([0-9a-f]{64})\\.scope$");
    /** containerd's systemd cgroupsPath form, seen nested under containerd.service: slice:prefix:id */
    private static final Pattern COLON_FORM = Pattern.compile("^(?:[a-z0-9-]*-)?pod(" + UID + ")\\.slice:(cri-containerd|crio|docker):([0-9a-f]{64})$");
    private static final Pattern BARE_ID = Pattern.compile("^([0-9a-f]{64})$");

    private CgroupAttributor() {
    }

    /** Attributes a process from the whole content of its cgroup file. */
    public static ProcessAttribution attribute(String cgroupFile) {
        String firstKubepods = null;
        for (String line : cgroupFile.split("\n")) {
            // hierarchy-ID:controller-list:path; the path itself may contain ':' (containerd's colon form).
            int first = line.indexOf(':');
            int second = first < 0 ? -1 : line.indexOf(':', first + 1);
            if (second < 0) {
                continue;
            }
            String path = line.substring(second + 1).strip();
            if (!path.contains("kubepods")) {
                continue;
            }
            ProcessAttribution attribution = fromPath(path);
            if (attribution.kind() != ProcessAttribution.Kind.UNRECOGNISED) {
                return attribution;
            }
            if (firstKubepods == null) {
                firstKubepods = path;
            }
        }
        if (firstKubepods != null) {
            return new ProcessAttribution(ProcessAttribution.Kind.UNRECOGNISED, null, null, null, firstKubepods);
        }
        return ProcessAttribution.notAPod(cgroupFile.isBlank() ? "" : cgroupFile.lines().findFirst().orElse(""));
    }

    static ProcessAttribution fromPath(String path) {
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

    /** systemd escapes '-' in slice names as '_': the API's UID has dashes. */
    private static String normalise(String uid) {
        return uid.replace('_', '-');
    }
}
