package dev.backlogsentinel.agent.attribution;

import dev.backlogsentinel.agent.procfs.ProcFile;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which processes hold which sockets, from their /proc/&lt;pid&gt;/fd links ({@code socket:[inode]}),
 * as {@code ss -p} finds them; and what those processes are. Listing another user's fd directory
 * ({@code dr-x------}, owned by the process's uid) needs CAP_DAC_READ_SEARCH even for root, and
 * reading its links CAP_SYS_PTRACE: a directory that is refused is returned as such, so the caller
 * can say why a socket has no owner. This walks every fd of every process given, so callers ask only
 * for sockets they have not placed yet.
 */
public final class SocketOwners {

    private final Path procRoot;

    public SocketOwners(Path procRoot) {
        this.procRoot = procRoot;
    }

    /**
     * What one search found.
     *
     * @param holders the holders of each wanted socket found, lowest pid first
     * @param fds     how many fd links were read: the search's cost
     * @param refused the processes whose fd directory we may not list, lowest pid first
     */
    public record Found(Map<Long, List<SocketHolder>> holders, int fds, List<Refused> refused) {
    }

    /**
     * A process whose fds could not be read: whatever it holds stays unknown.
     *
     * @param uid     the owner of its fd directory (the process's uid), or -1 when that could not be read
     * @param listing true when listing the directory was refused (file permissions: another user's
     *                needs CAP_DAC_READ_SEARCH), false when reading its links was (ptrace access)
     */
    public record Refused(int pid, Path fdDir, int uid, boolean listing) {

        /** Why, in words, for the scan's errors. */
        public String reason() {
            String who = "pid " + pid + (uid >= 0 ? " (uid " + uid + ")" : "");
            return listing
                    ? "may not list the fds of " + who + ": another user's need CAP_DAC_READ_SEARCH"
                    : "may not read the fd links of " + who + ": ptrace access refused (needs CAP_SYS_PTRACE, "
                            + "and some processes refuse it even to root)";
        }
    }

    /**
     * @param pids   the processes to search (those of one network namespace)
     * @param wanted socket inodes to place
     */
    public Found find(Collection<Integer> pids, Set<Long> wanted) {
        Map<Long, List<SocketHolder>> found = new HashMap<>();
        if (wanted.isEmpty()) {
            return new Found(found, 0, List.of());
        }
        int read = 0;
        List<Refused> refused = new ArrayList<>();
        for (int pid : pids.stream().sorted().toList()) {
            Path fdDir = procRoot.resolve(Integer.toString(pid)).resolve("fd");
            boolean listed = false;
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDir)) {
                listed = true;
                for (Path fd : fds) {
                    read++;
                    long inode = socketInode(fd);
                    if (inode > 0 && wanted.contains(inode)) {
                        List<SocketHolder> holders = found.computeIfAbsent(inode, k -> new ArrayList<>(1));
                        // A socket duplicated within one process (dup, fork-exec) is held once, under its lowest fd.
                        if (holders.isEmpty() || holders.getLast().pid() != pid) {
                            holders.add(new SocketHolder(pid, fdNumber(fd)));
                        } else if (fdNumber(fd) < holders.getLast().fd()) {
                            holders.set(holders.size() - 1, new SocketHolder(pid, fdNumber(fd)));
                        }
                    }
                }
            } catch (AccessDeniedException e) {
                refused.add(new Refused(pid, fdDir, ownerUid(fdDir), !listed));
            } catch (IOException | SecurityException | DirectoryIteratorException e) {
                // Exited (or its fds changed under us): it holds nothing we can see now.
            }
        }
        return new Found(found, read, List.copyOf(refused));
    }

    private static int ownerUid(Path dir) {
        try {
            return (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The process's command, executable and whether it is a Go program; null when it has exited. */
    public ProcessIdentity identify(int pid) {
        Path dir = procRoot.resolve(Integer.toString(pid));
        String command = readLine(dir.resolve("comm"));
        if (command == null) {
            return null;
        }
        String executable = null;
        boolean go = false;
        try {
            String target = Files.readSymbolicLink(dir.resolve("exe")).toString();
            if (target.endsWith(" (deleted)")) {
                target = target.substring(0, target.length() - " (deleted)".length());
            }
            executable = Path.of(target).getFileName() == null ? null : Path.of(target).getFileName().toString();
            go = GoBinary.isGo(dir.resolve("exe"));
        } catch (IOException | SecurityException | UnsupportedOperationException | java.nio.file.InvalidPathException e) {
            // A kernel thread has no executable; a process we may not ptrace shows none.
        }
        return new ProcessIdentity(command, executable, go);
    }

    /**
     * The first line, printable ASCII only: a process names itself (prctl PR_SET_NAME), and what it
     * chose ends up in event texts that must stay ASCII.
     */
    private static String readLine(Path file) {
        // Opened as procfs files are (only a regular file, never blocking: a FIFO there would wait
        // forever), and read up to 64 bytes (comm is at most 16).
        try {
            String text = ProcFile.readText(file, 64).text();
            StringBuilder sb = new StringBuilder(text.length());
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\n') {
                    break;
                }
                sb.append(c >= 0x20 && c < 0x7f ? c : '?');
            }
            return sb.toString().strip();
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    private static int fdNumber(Path fd) {
        try {
            return Integer.parseInt(fd.getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The socket an fd link names, or -1 for anything else.
     *
     * @throws AccessDeniedException when the link may not be read (no ptrace access to the process):
     *                               none of its fds can be
     */
    static long socketInode(Path fd) throws AccessDeniedException {
        try {
            String target = Files.readSymbolicLink(fd).toString();
            if (target.startsWith("socket:[") && target.endsWith("]")) {
                return Long.parseLong(target, 8, target.length() - 1, 10);
            }
        } catch (AccessDeniedException e) {
            throw e;
        } catch (IOException | NumberFormatException | UnsupportedOperationException | SecurityException e) {
            // A closed fd or not a socket.
        }
        return -1;
    }
}
