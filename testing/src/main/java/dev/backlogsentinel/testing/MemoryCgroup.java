package dev.backlogsentinel.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A memory cgroup with a limit, as a pod's container gets from its resources.limits.memory (root
 * only), and optionally a CPU quota as from resources.limits.cpu: a process started through
 * {@link #command} is inside it before its first instruction, so a JVM sizes its heap from the
 * limit and counts its processors from the quota exactly as in the pod. cgroup v2 (memory.max,
 * cpu.max) or v1 (memory.limit_in_bytes; cpu.cfs_quota_us in the cpu hierarchy).
 */
public final class MemoryCgroup implements AutoCloseable {

    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    private static final long CFS_PERIOD_US = 100_000;
    private final Path dir;
    /** The v1 cpu hierarchy's directory, when a quota was asked for on cgroup v1; null otherwise. */
    private final Path cpuDir;

    private MemoryCgroup(Path dir, Path cpuDir) {
        this.dir = dir;
        this.cpuDir = cpuDir;
    }

    public static MemoryCgroup withLimit(String name, long bytes) {
        return withLimits(name, bytes, 0);
    }

    /** @param cpuMillis the CPU quota in millicores (250 for 250m), or 0 for none */
    public static MemoryCgroup withLimits(String name, long bytes, long cpuMillis) {
        String unique = name + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        try {
            boolean v2 = Files.exists(ROOT.resolve("cgroup.controllers"));
            Path dir = v2 ? ROOT.resolve(unique) : ROOT.resolve("memory").resolve(unique);
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(v2 ? "memory.max" : "memory.limit_in_bytes"), Long.toString(bytes));
            Path cpuDir = null;
            if (cpuMillis > 0) {
                long quota = cpuMillis * CFS_PERIOD_US / 1000;
                if (v2) {
                    Files.writeString(dir.resolve("cpu.max"), quota + " " + CFS_PERIOD_US);
                } else {
                    cpuDir = Files.createDirectories(ROOT.resolve("cpu").resolve(unique));
                    Files.writeString(cpuDir.resolve("cpu.cfs_period_us"), Long.toString(CFS_PERIOD_US));
                    Files.writeString(cpuDir.resolve("cpu.cfs_quota_us"), Long.toString(quota));
                }
            }
            return new MemoryCgroup(dir, cpuDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a cgroup (root needed): " + e.getMessage(), e);
        }
    }

    /** The command, run by a shell that first moves itself into this cgroup and then execs it (same pid). */
    public List<String> command(List<String> command) {
        return CgroupCommand.joining(cpuDir == null ? List.of(dir.resolve("cgroup.procs"))
                : List.of(dir.resolve("cgroup.procs"), cpuDir.resolve("cgroup.procs")), command);
    }

    /** Whether the kernel's OOM killer acted in this cgroup (v1: memory.oom_control; v2: memory.events). */
    public boolean oomKilled() {
        try {
            Path v2 = dir.resolve("memory.events");
            if (Files.exists(v2)) {
                return Files.readAllLines(v2).stream().anyMatch(l -> l.startsWith("oom_kill ") && !l.endsWith(" 0"));
            }
            return Files.readAllLines(dir.resolve("memory.oom_control")).stream()
                    .anyMatch(l -> l.startsWith("oom_kill ") && !l.endsWith(" 0"));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * What the kubelet calls the container's working set (and evicts and limits by): the cgroup's
     * usage less its inactive file pages; v1 memory.usage_in_bytes, v2 memory.current.
     */
    public long workingSetBytes() {
        try {
            boolean v2 = Files.exists(dir.resolve("memory.current"));
            long usage = Long.parseLong(Files.readString(dir.resolve(v2 ? "memory.current" : "memory.usage_in_bytes")).strip());
            String inactive = v2 ? "inactive_file " : "total_inactive_file ";
            long inactiveFile = Files.readAllLines(dir.resolve("memory.stat")).stream().filter(l -> l.startsWith(inactive))
                    .mapToLong(l -> Long.parseLong(l.substring(inactive.length()).strip())).findFirst().orElse(0);
            return Math.max(0, usage - inactiveFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            if (cpuDir != null) {
                Files.deleteIfExists(cpuDir);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // A process still inside: the directory goes when it does, or with the machine.
        }
    }
}
