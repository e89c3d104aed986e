package dev.backlogsentinel.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A real cgroup laid out as the kubelet lays out a pod's container (root only), so that
 * /proc/&lt;pid&gt;/cgroup of a process moved into it names the pod's UID, as on a node. cgroup v2
 * (unified) gets the systemd driver's layout, cgroup v1 the cgroupfs driver's, in the pids
 * hierarchy; a process moved in leaves it when it exits, and the directories are removed on close.
 */
public final class PodCgroup implements AutoCloseable {

    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    private final Path pod;
    private final Path container;
    private final String containerId;

    private PodCgroup(Path pod, Path container, String containerId) {
        this.pod = pod;
        this.container = container;
        this.containerId = containerId;
    }

    /** The cgroup of one container of the pod with this UID, under kubepods/besteffort. */
    public static PodCgroup forPod(String podUid) {
        byte[] random = new byte[32];
        ThreadLocalRandom.current().nextBytes(random);
        String id = HexFormat.of().formatHex(random);
        try {
            if (Files.exists(ROOT.resolve("cgroup.controllers"))) {
                Path pod = ROOT.resolve("kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
                        + podUid.replace('-', '_') + ".slice");
                Path container = pod.resolve("cri-containerd-" + id + ".scope");
                Files.createDirectories(container);
                return new PodCgroup(pod, container, id);
            }
            Path hierarchy = ROOT.resolve("pids");
            if (!Files.isDirectory(hierarchy)) {
                throw new IllegalStateException("no cgroup v2 at " + ROOT + " and no v1 pids hierarchy: cannot lay out a pod cgroup");
            }
            Path pod = hierarchy.resolve("kubepods/besteffort/pod" + podUid);
            Path container = pod.resolve(id);
            Files.createDirectories(container);
            return new PodCgroup(pod, container, id);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a pod cgroup (root needed): " + e.getMessage(), e);
        }
    }

    public String containerId() {
        return containerId;
    }

    /** Moves a process into the container's cgroup. */
    public void add(long pid) {
        try {
            Files.writeString(container.resolve("cgroup.procs"), Long.toString(pid));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move pid " + pid + " into " + container, e);
        }
    }

    /**
     * A command that starts inside the container's cgroup: a shell writes its own pid into it, then
     * execs the command in place. So the process is the pod's from its first instruction, as a
     * runtime starts a container's, and no scan can see it outside the pod first (the agent keeps a
     * process's cgroup for its life, since a container's process never changes pods).
     */
    public List<String> command(List<String> command) {
        return CgroupCommand.joining(List.of(container.resolve("cgroup.procs")), command);
    }

    /** Removes the container's and the pod's cgroups (empty once their processes exited); kubepods stays. */
    @Override
    public void close() {
        for (Path dir : new Path[] {container, pod}) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                return; // Still busy: left for the machine, as a kubelet would until its processes exit.
            }
        }
    }
}
