package dev.backlogsentinel.agent.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc calls the agent needs (netlink sockets, setns, reads of procfs files and
 * directories), bound with java.lang.foreign (no JNI code).
 * Every call captures errno so failures carry the kernel's reason, not just -1.
 */
public final class Libc {

    public static final int AF_NETLINK = 16;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int NETLINK_SOCK_DIAG = 4;
    public static final int O_RDONLY = 0;
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_DIRECTORY = 0x10000;
    public static final int CLONE_NEWNET = 0x40000000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_RCVTIMEO = 20;
    public static final int SO_RCVBUF = 8;
    public static final int EINTR = 4;
    public static final int EPERM = 1;
    public static final int EACCES = 13;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    /**
     * errno is captured into this segment by every downcall: one per thread, reused, instead of a
     * native allocation and free around each of the scan's hundreds of syscalls.
     */
    private static final ThreadLocal<MemorySegment> STATE = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SETNS = bind("setns", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    // open(2) is variadic, but without O_CREAT the mode is never read, so two fixed arguments are safe.
    private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT));
    private static final MethodHandle SENDTO = bind("sendto", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle RECV = bind("recv", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle PREAD = bind("pread", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle SETSOCKOPT = bind("setsockopt", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_INT));
    private static final MethodHandle GETDENTS64 = bind("getdents64", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    /** One getdents64 buffer per thread: a node's /proc (a few hundred entries) fits in one call. */
    private static final ThreadLocal<MemorySegment> DIRENTS = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(32 * 1024, 8));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(256, ValueLayout.JAVA_BYTE)),
                    ValueLayout.JAVA_INT));

    private Libc() {
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new IllegalStateException("libc has no " + name)), descriptor, CAPTURE_ERRNO);
    }

    /** A failed libc call: the call, what it was applied to, and errno. */
    public static final class SyscallException extends Exception {
        private final int errno;

        public SyscallException(String call, String subject, int errno) {
            super(call + "(" + subject + "): " + strerror(errno) + " (errno " + errno + ")");
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }

        /** True when the failure means "not allowed" rather than "broken". */
        public boolean isPermission() {
            return errno == EPERM || errno == EACCES;
        }
    }

    public static int socket(int domain, int type, int protocol) throws SyscallException {
        try {
            MemorySegment state = STATE.get();
            int fd = (int) SOCKET.invokeExact(state, domain, type, protocol);
            return check(fd, state, "socket", "AF_NETLINK");
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int open(String path, int flags) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags);
            return check(fd, state, "open", path);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static void setns(int fd, int nstype, String what) throws SyscallException {
        try {
            MemorySegment state = STATE.get();
            int rc = (int) SETNS.invokeExact(state, fd, nstype);
            check(rc, state, "setns", what);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Closes quietly: a close error on a read-only fd or socket has nothing left to lose. */
    public static void close(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            int ignored = (int) CLOSE.invokeExact(STATE.get(), fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static long sendto(int fd, MemorySegment buf, long len, MemorySegment addr, int addrLen) throws SyscallException {
        try {
            MemorySegment state = STATE.get();
            while (true) {
                long n = (long) SENDTO.invokeExact(state, fd, buf, len, 0, addr, addrLen);
                if (n >= 0) {
                    return n;
                }
                int errno = (int) ERRNO.get(state, 0L);
                if (errno != EINTR) {
                    throw new SyscallException("sendto", "netlink", errno);
                }
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static long recv(int fd, MemorySegment buf, long len) throws SyscallException {
        try {
            MemorySegment state = STATE.get();
            while (true) {
                long n = (long) RECV.invokeExact(state, fd, buf, len, 0);
                if (n >= 0) {
                    return n;
                }
                int errno = (int) ERRNO.get(state, 0L);
                if (errno != EINTR) {
                    throw new SyscallException("recv", "netlink", errno);
                }
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static long pread(int fd, MemorySegment buf, long len, long offset, String what) throws SyscallException {
        try {
            MemorySegment state = STATE.get();
            long n = (long) PREAD.invokeExact(state, fd, buf, len, offset);
            if (n < 0) {
                throw new SyscallException("pread", what, (int) ERRNO.get(state, 0L));
            }
            return n;
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Receives a directory entry whose name is a decimal number (a /proc pid), with its inode. */
    @FunctionalInterface
    public interface NumberedEntry {
        void accept(int number, long inode);
    }

    /**
     * The entries of a directory whose names are decimal numbers, with their inodes: /proc's
     * processes, listed every scan. getdents64 into a reused buffer and the names parsed in place,
     * so a scan's listing costs a system call or two and no object per entry.
     */
    public static void listNumbered(String path, NumberedEntry sink) throws SyscallException {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        try {
            MemorySegment buf = DIRENTS.get();
            MemorySegment state = STATE.get();
            while (true) {
                long n = (long) GETDENTS64.invokeExact(state, fd, buf, buf.byteSize());
                if (n < 0) {
                    throw new SyscallException("getdents64", path, (int) ERRNO.get(state, 0L));
                }
                if (n == 0) {
                    return;
                }
                long at = 0;
                while (at + 20 <= n) {
                    int reclen = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 16));
                    if (reclen < 20 || at + reclen > n) {
                        throw new SyscallException("getdents64", path + ": a record of length " + reclen, 0);
                    }
                    long number = 0;
                    int digits = 0;
                    for (long i = at + 19; i < at + reclen; i++) {
                        byte b = buf.get(ValueLayout.JAVA_BYTE, i);
                        if (b == 0) {
                            break;
                        }
                        if (b < '0' || b > '9' || digits == 9) {
                            digits = -1;
                            break;
                        }
                        number = number * 10 + (b - '0');
                        digits++;
                    }
                    if (digits > 0) {
                        sink.accept((int) number, buf.get(ValueLayout.JAVA_LONG_UNALIGNED, at));
                    }
                    at += reclen;
                }
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            close(fd);
        }
    }

    public static void setsockopt(int fd, int level, int name, MemorySegment value, String what) throws SyscallException {
        try {
            MemorySegment state = STATE.get();
            int rc = (int) SETSOCKOPT.invokeExact(state, fd, level, name, value, (int) value.byteSize());
            check(rc, state, "setsockopt", what);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static String strerror(int errno) {
        try {
            MemorySegment msg = (MemorySegment) STRERROR.invokeExact(errno);
            return msg.getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static int check(int rc, MemorySegment state, String call, String subject) throws SyscallException {
        if (rc < 0) {
            throw new SyscallException(call, subject, (int) ERRNO.get(state, 0L));
        }
        return rc;
    }
}
