package dev.backlogsentinel.agent.netlink;

import dev.backlogsentinel.agent.kernel.Libc;
import dev.backlogsentinel.agent.kernel.ReaderException;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The one platform thread that enters network namespaces. setns(2) moves only the calling thread,
 * so entering happens here and nowhere else; what is opened inside (a netlink socket, the somaxconn
 * sysctl) keeps its namespace after the thread has gone back home. If going back ever fails the
 * thread is retired, so no other work can run in a foreign namespace.
 */
public final class NetnsEntrance implements AutoCloseable {

    private ExecutorService thread;
    private int homeFd = -1;

    /** Work to run inside a namespace; may throw a libc failure. */
    @FunctionalInterface
    public interface Inside<T> {
        T run() throws Libc.SyscallException;
    }

    /**
     * Opens the namespace file, enters it, runs the action, and comes back.
     *
     * @param nsPath /proc/&lt;pid&gt;/ns/net of a process in the namespace
     */
    public synchronized <T> T inside(String nsPath, Inside<T> action) throws ReaderException {
        ExecutorService executor = executor();
        Future<T> result = executor.submit((Callable<T>) () -> enterRunReturn(nsPath, action));
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReaderException("interrupted while entering " + nsPath);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Libc.SyscallException sys) {
                throw new ReaderException(sys.getMessage(), sys.isPermission(), sys);
            }
            if (cause instanceof HomeLostException lost) {
                retire();
                throw new ReaderException(lost.getMessage(), false, lost);
            }
            throw new ReaderException("entering " + nsPath + " failed: " + cause, false, cause);
        }
    }

    private <T> T enterRunReturn(String nsPath, Inside<T> action) throws Libc.SyscallException, HomeLostException {
        if (homeFd < 0) {
            homeFd = Libc.open("/proc/thread-self/ns/net", Libc.O_RDONLY | Libc.O_CLOEXEC);
        }
        int nsFd = Libc.open(nsPath, Libc.O_RDONLY | Libc.O_CLOEXEC);
        try {
            Libc.setns(nsFd, Libc.CLONE_NEWNET, nsPath);
            try {
                return action.run();
            } finally {
                try {
                    Libc.setns(homeFd, Libc.CLONE_NEWNET, "home namespace");
                } catch (Libc.SyscallException e) {
                    throw new HomeLostException("could not return to the agent's own network namespace: " + e.getMessage());
                }
            }
        } finally {
            Libc.close(nsFd);
        }
    }

    private ExecutorService executor() {
        if (thread == null) {
            thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = Thread.ofPlatform().name("backlog-netns-entrance").daemon(true).unstarted(r);
                return t;
            });
        }
        return thread;
    }

    private void retire() {
        if (thread != null) {
            thread.shutdownNow();
            thread = null;
        }
        // The home fd belonged to the retired thread's view; a new thread opens its own.
        Libc.close(homeFd);
        homeFd = -1;
    }

    @Override
    public synchronized void close() {
        retire();
    }

    private static final class HomeLostException extends Exception {
        HomeLostException(String message) {
            super(message);
        }
    }
}
