package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.kernel.ListenerReader;
import dev.backlogsentinel.agent.kernel.NetnsProcesses;
import dev.backlogsentinel.agent.kernel.NetnsSource;
import dev.backlogsentinel.agent.kernel.ReaderChoice;
import dev.backlogsentinel.agent.kernel.ReaderException;
import dev.backlogsentinel.agent.kernel.ReaderKind;
import dev.backlogsentinel.agent.kernel.ScanErrors;
import dev.backlogsentinel.agent.procfs.CountersFiles;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Opens what a new namespace is read through: a listener source from the configured reader, with
 * auto's fall-back from netlink to procfs, and the namespace's counter files. Every failure is
 * counted in the scan's errors and named by namespace; a missing capability under auto is not a
 * fault but a note, said once.
 */
final class NetnsSources implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(NetnsSources.class);

    private final ReaderChoice choice;
    private final ListenerReader netlink;
    private final ListenerReader procfs;
    private final Path procRoot;
    private final long maxFileBytes;
    private String note;

    /** @param netlink the exact reader, or null when the choice is procfs */
    NetnsSources(ReaderChoice choice, ListenerReader netlink, ListenerReader procfs, Path procRoot, long maxFileBytes) {
        this.choice = choice;
        this.netlink = netlink;
        this.procfs = procfs;
        this.procRoot = procRoot;
        this.maxFileBytes = maxFileBytes;
    }

    /** The namespace's listener source, or null when no reader the choice allows can read it (counted). */
    NetnsSource open(NetnsProcesses netns, ScanErrors errors) {
        ScanErrors.Where where = ScanErrors.Where.netns(netns.nsInode(), netns.key());
        if (choice != ReaderChoice.PROCFS) {
            try {
                return netlink.open(netns);
            } catch (ReaderException e) {
                ScanErrors.Kind kind = e.isPermission() ? ScanErrors.Kind.PERMISSION : ScanErrors.Kind.READ;
                if (choice == ReaderChoice.NETLINK) {
                    errors.add(kind, where.withFileOf(e), "netlink: " + e.getMessage());
                    return null;
                }
                // auto: a missing capability is expected and said once; a fault is counted. Either way procfs reads it.
                if (e.isPermission()) {
                    noteFallback(e);
                } else {
                    errors.add(kind, where.withFileOf(e), "netlink: " + e.getMessage());
                }
            }
        }
        try {
            return procfs.open(netns);
        } catch (ReaderException e) {
            errors.add(ScanErrors.kindOf(e, e.isPermission() ? ScanErrors.Kind.PERMISSION : ScanErrors.Kind.VANISHED),
                    where.withFileOf(e), "procfs: " + e.getMessage());
            return null;
        }
    }

    /**
     * The namespace's counter files (net/netstat) through the first of its processes that shows
     * them, or null (counted): without them a namespace still has listeners worth reporting.
     */
    CountersFiles openCounters(NetnsProcesses netns, ScanErrors errors) {
        ScanErrors.Where where = ScanErrors.Where.netns(netns.nsInode(), netns.key());
        for (int pid : netns.pids()) {
            try {
                return CountersFiles.open(procRoot.resolve(Integer.toString(pid)), maxFileBytes);
            } catch (NoSuchFileException e) {
                // The process's directory still there: the file itself is missing. Gone: the process exited.
                boolean processThere = Files.exists(e.getFile() == null ? Path.of("/") : Path.of(e.getFile()).getParent());
                errors.add(processThere ? ScanErrors.Kind.MISSING : ScanErrors.Kind.VANISHED, where.withFile(e.getFile()),
                        "cannot open " + e.getFile());
            } catch (AccessDeniedException e) {
                errors.add(ScanErrors.Kind.PERMISSION, where.withFile(e.getFile()), "not allowed to open " + e.getFile());
            } catch (IOException e) {
                errors.add(ScanErrors.kindOf(e, ScanErrors.Kind.READ), where.withFileOf(e), "opening counters of pid " + pid + ": " + e);
            }
        }
        return null;
    }

    /** Why some namespaces are read through procfs under auto, or null while none is. */
    String note() {
        return note;
    }

    /** The reader label of a scan, from the kinds of source open now. */
    String label(boolean anyNetlink, boolean anyProcfs) {
        if (anyNetlink && anyProcfs) {
            return "netlink+procfs";
        }
        if (anyNetlink || choice == ReaderChoice.NETLINK) {
            return ReaderKind.NETLINK.label();
        }
        return ReaderKind.PROCFS.label();
    }

    private void noteFallback(ReaderException e) {
        if (note == null) {
            note = "netlink reader not permitted (" + e.getMessage() + "; it needs CAP_SYS_ADMIN and "
                    + "CAP_SYS_PTRACE): those namespaces are read through procfs, which shows queue depth "
                    + "but not the socket's real limit";
            LOG.warn(note);
        }
    }

    @Override
    public void close() {
        if (netlink instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Nothing to lose at shutdown.
            }
        }
    }
}
