package dev.backlogsentinel.agent.netns;

import dev.backlogsentinel.agent.scan.ScanErrors;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * Finds every network namespace of the machine from the processes under the procfs root. One stat
 * per process; ns/net is read only for namespaces whose inode is not known yet.
 */
public final class NetnsDiscovery {

    private final Path procRoot;

    public NetnsDiscovery(Path procRoot) {
        this.procRoot = procRoot;
    }

    public Path procRoot() {
        return procRoot;
    }

    /**
     * @param needsNsInode tells, by key, whether the ns/net inode is wanted (for namespaces not yet tracked)
     * @return namespaces by key, in the order their lowest pid was found
     */
    public Map<Long, NetnsProcesses> discover(LongPredicate needsNsInode, ScanErrors errors) {
        Map<Long, List<Integer>> pidsByKey = new HashMap<>();
        Map<Long, Long> nsInodes = new HashMap<>();
        List<Integer> pids = listPids(errors);
        for (int pid : pids) {
            Path dir = procRoot.resolve(Integer.toString(pid));
            long key;
            try {
                key = inode(dir.resolve("net/tcp"));
            } catch (NoSuchFileException e) {
                errors.add(ScanErrors.Kind.VANISHED, "pid " + pid + " exited during discovery");
                continue;
            } catch (AccessDeniedException e) {
                errors.add(ScanErrors.Kind.PERMISSION, "cannot stat " + e.getFile() + " (hidepid?)");
                continue;
            } catch (IOException | RuntimeException e) {
                errors.add(ScanErrors.Kind.READ, "cannot stat " + dir.resolve("net/tcp") + ": " + e);
                continue;
            }
            pidsByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(pid);
            if (!nsInodes.containsKey(key) && needsNsInode.test(key)) {
                try {
                    nsInodes.put(key, inode(dir.resolve("ns/net")));
                } catch (IOException | RuntimeException e) {
                    // Without ptrace access the namespace is still read, through procfs, under its key.
                }
            }
        }
        Map<Long, NetnsProcesses> result = new LinkedHashMap<>();
        pidsByKey.forEach((key, list) -> result.put(key, new NetnsProcesses(key, nsInodes.get(key), List.copyOf(list))));
        return result;
    }

    private List<Integer> listPids(ScanErrors errors) {
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(procRoot)) {
            for (Path p : dirs) {
                String name = p.getFileName().toString();
                if (!name.isEmpty() && name.chars().allMatch(Character::isDigit) && name.length() < 10) {
                    pids.add(Integer.parseInt(name));
                }
            }
        } catch (IOException e) {
            errors.add(ScanErrors.Kind.READ, "cannot list " + procRoot + ": " + e.getMessage());
        }
        pids.sort(Integer::compare);
        return pids;
    }

    /** The inode of a file, following links (stat, not lstat): ns/net and net/tcp resolve to kernel inodes. */
    public static long inode(Path path) throws IOException {
        Object ino = Files.getAttribute(path, "unix:ino");
        return ((Number) ino).longValue();
    }
}
