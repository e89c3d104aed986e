package dev.backlogsentinel.agent.attribution;

import dev.backlogsentinel.agent.kernel.ScanErrors;
import dev.backlogsentinel.agent.procfs.ProcFile;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What each process's cgroup says it belongs to (a pod's container, or not a pod), read once per
 * process and kept while the process is in a tracked namespace. A process does not change pods,
 * and a pid reused by a new process shows up first in a namespace's pid list, which the scan
 * compares before asking again.
 */
public final class ProcessCgroups {

    /** Above this many cached processes, those no tracked namespace shows any more are dropped. */
    static final int PRUNE_ABOVE = 4096;

    private final Path procRoot;
    private final long maxFileBytes;
    private final Map<Integer, ProcessAttribution> processes = new HashMap<>();

    public ProcessCgroups(Path procRoot, long maxFileBytes) {
        this.procRoot = procRoot;
        this.maxFileBytes = maxFileBytes;
    }

    /**
     * Attributes a namespace from its processes' cgroups; a process whose cgroup cannot be read
     * is counted in {@code errors} and left out.
     *
     * @param host whether the namespace is the agent's own (the node's)
     * @param live every pid of every tracked namespace, asked for only when the cache needs pruning
     */
    public NetnsAttribution attribute(boolean host, List<Integer> pids, ScanErrors errors, Supplier<Set<Integer>> live) {
        List<ProcessAttribution> seen = new ArrayList<>(pids.size());
        for (int pid : pids) {
            ProcessAttribution p = processes.get(pid);
            if (p == null) {
                p = read(pid, errors);
                if (p == null) {
                    continue;
                }
                processes.put(pid, p);
            }
            seen.add(p);
        }
        if (processes.size() > PRUNE_ABOVE) {
            processes.keySet().retainAll(live.get());
        }
        return NetnsAttribution.of(host, seen);
    }

    /** The process's attribution as last read, or null when it was not read (or not yet). */
    public ProcessAttribution of(int pid) {
        return processes.get(pid);
    }

    /** The pod UID a process's cgroup names, or null when it is not a pod's container (or unknown). */
    public String podOf(int pid) {
        ProcessAttribution p = processes.get(pid);
        return p != null && p.kind() == ProcessAttribution.Kind.POD ? p.podUid() : null;
    }

    int cached() {
        return processes.size();
    }

    private ProcessAttribution read(int pid, ScanErrors errors) {
        Path file = procRoot.resolve(Integer.toString(pid)).resolve("cgroup");
        ScanErrors.Where where = ScanErrors.Where.file(file);
        try {
            // Opened as every procfs file is (a regular file only, never blocking) and capped: a
            // cgroup file is a few lines, so the cap is the smaller of the configured one and
            // CgroupAttributor.MAX_FILE_BYTES; a file cut there is not believed.
            ProcFile.Text text = ProcFile.readText(file, Math.min(maxFileBytes, CgroupAttributor.MAX_FILE_BYTES));
            if (text.cutAtCap()) {
                errors.add(ScanErrors.Kind.OVERSIZED, where, file + ": " + ScanErrors.CUT_AT_CAP + " (a cgroup file holds a few lines): not believed");
                return null;
            }
            CgroupAttributor.Parsed parsed = CgroupAttributor.parse(text.text());
            errors.add(ScanErrors.Kind.MALFORMED, parsed.malformed(), where, file + ": " + parsed.firstProblem());
            return parsed.attribution();
        } catch (NoSuchFileException e) {
            errors.add(ScanErrors.Kind.VANISHED, where, "pid " + pid + " exited before its cgroup could be read");
        } catch (IOException | RuntimeException e) {
            errors.add(ScanErrors.kindOf(e, ScanErrors.Kind.READ), where, file + ": "
                    + (e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : String.valueOf(e)));
        }
        return null;
    }
}
