package dev.backlogsentinel.agent.netlink;

import dev.backlogsentinel.agent.kernel.Libc;
import dev.backlogsentinel.agent.kernel.ProcInodes;
import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.ListenerReader;
import dev.backlogsentinel.agent.kernel.ListenerSample;
import dev.backlogsentinel.agent.kernel.NetnsSource;
import dev.backlogsentinel.agent.kernel.NetnsKnobs;
import dev.backlogsentinel.agent.kernel.ReaderException;
import dev.backlogsentinel.agent.kernel.ReaderKind;
import dev.backlogsentinel.agent.netns.NetnsDiscovery;
import dev.backlogsentinel.agent.kernel.NetnsProcesses;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The exact reader: per namespace, a NETLINK_SOCK_DIAG socket and an fd on each of its TCP knobs
 * (net.core.somaxconn, tcp_syncookies, ...), all opened from inside the namespace (setns on the
 * entrance thread) and kept for its lifetime: /proc/sys opened anywhere else shows the opener's
 * namespace. idiag_rqueue of a listener is its accept-queue depth and idiag_wqueue its real limit.
 */
public final class NetlinkReader implements ListenerReader, AutoCloseable {

    private static final int LISTEN_MASK = 1 << SockDiagSocket.TCP_LISTEN;
    private static final int SYN_RECV_MASK = 1 << SockDiagSocket.TCP_SYN_RECV;
    private static final int ESRCH = 3;
    /** tcp_syncookies, tcp_abort_on_overflow and tcp_max_syn_backlog are read every this many scans (30 s at 2 s). */
    static final int KNOBS_EVERY = 15;

    private final Path procRoot;
    private final NetnsEntrance entrance = new NetnsEntrance();

    public NetlinkReader(Path procRoot) {
        this.procRoot = procRoot;
    }

    @Override
    public ReaderKind kind() {
        return ReaderKind.NETLINK;
    }

    @Override
    public NetnsSource open(NetnsProcesses netns) throws ReaderException {
        return netns.throughAnyPid(pid -> entrance.inside(procRoot.resolve(Integer.toString(pid)).resolve("ns/net").toString(),
                () -> openInside(netns.key())));
    }

    /** Runs inside the namespace: checks it is the one discovery saw, then opens what is kept. */
    private NetlinkSource openInside(long expectedKey) throws Libc.SyscallException {
        long here;
        try {
            here = ProcInodes.of(Path.of("/proc/thread-self/net/tcp"));
        } catch (IOException e) {
            here = -1;
        }
        if (here != expectedKey) {
            // The pid was reused by a process of another namespace between discovery and now:
            // reported as ESRCH, the process discovery saw is gone; the next pid is tried.
            throw new Libc.SyscallException("setns", "pid moved to namespace key " + here + ", expected " + expectedKey, ESRCH);
        }
        SockDiagSocket socket = SockDiagSocket.openHere();
        NetnsKnobs.Knob[] knobs = NetnsKnobs.Knob.values();
        int[] fds = new int[knobs.length];
        for (int i = 0; i < knobs.length; i++) {
            try {
                fds[i] = Libc.open("/proc/sys/" + knobs[i].path(), Libc.O_RDONLY | Libc.O_CLOEXEC);
            } catch (Libc.SyscallException e) {
                if (knobs[i] == NetnsKnobs.Knob.SOMAXCONN) {
                    // Every kernel has it: without it something is wrong with this namespace's /proc/sys.
                    for (int j = 0; j < i; j++) {
                        Libc.close(fds[j]);
                    }
                    socket.close();
                    throw e;
                }
                fds[i] = -1;
            }
        }
        return new NetlinkSource(socket, fds);
    }

    @Override
    public void close() {
        entrance.close();
    }

    private static final class NetlinkSource implements NetnsSource {
        private final SockDiagSocket socket;
        /** One per NetnsKnobs.Knob, -1 where the namespace has no such file. */
        private final int[] knobFds;
        private final Arena arena = Arena.ofShared();
        private final MemorySegment knobBuf = arena.allocate(32);
        private boolean bothFamiliesAtOnce = true;
        /** The knobs but somaxconn, as last read (index 0 unused), and how many calls ago. */
        private Integer[] others;
        private int callsSinceOthers;

        NetlinkSource(SockDiagSocket socket, int[] knobFds) {
            this.socket = socket;
            this.knobFds = knobFds;
        }

        @Override
        public ReaderKind kind() {
            return ReaderKind.NETLINK;
        }

        @Override
        public synchronized Reading<List<ListenerSample>> listeners() throws ReaderException {
            List<ListenerSample> out = new ArrayList<>();
            SockDiagSocket.Sink sink = (sample, state) -> {
                if (state == SockDiagSocket.TCP_LISTEN) {
                    out.add(sample);
                }
            };
            int malformed = 0;
            if (bothFamiliesAtOnce) {
                try {
                    malformed = socket.dumpBothFamilies(LISTEN_MASK, true, sink);
                    return reading(out, malformed);
                } catch (Libc.SyscallException | SockDiagSocket.DumpException e) {
                    // A kernel that no longer serves the original request: one request per family from now on.
                    bothFamiliesAtOnce = false;
                    out.clear();
                }
            }
            for (int family : new int[] {SockDiagSocket.AF_INET, SockDiagSocket.AF_INET6}) {
                malformed += dump(family, LISTEN_MASK, true, sink);
            }
            return reading(out, malformed);
        }

        @Override
        public synchronized Reading<Map<Endpoint, Integer>> synRecv() throws ReaderException {
            Map<Endpoint, Integer> out = new HashMap<>();
            int malformed = 0;
            for (int family : new int[] {SockDiagSocket.AF_INET, SockDiagSocket.AF_INET6}) {
                malformed += dump(family, SYN_RECV_MASK, false, (sample, state) -> {
                    if (state == SockDiagSocket.TCP_SYN_RECV) {
                        out.merge(sample.endpoint(), 1, Integer::sum);
                    }
                });
            }
            return reading(out, malformed);
        }

        private static <T> Reading<T> reading(T value, int malformed) {
            return new Reading<>(value, malformed > 0 ? List.of(NetnsSource.Problem.malformed(null, malformed, "short inet_diag message"))
                    : List.of());
        }

        private int dump(int family, int mask, boolean memInfo, SockDiagSocket.Sink sink) throws ReaderException {
            try {
                return socket.dump(family, mask, memInfo, sink);
            } catch (Libc.SyscallException e) {
                throw new ReaderException("sock_diag: " + e.getMessage(), e.isPermission(), e);
            } catch (SockDiagSocket.DumpException e) {
                throw new ReaderException(e.getMessage(), false, e);
            }
        }

        /**
         * somaxconn every call (the limitedBy decision compares with it); the other knobs, which only
         * shape the advice, every {@link #KNOBS_EVERY} calls: four reads per namespace per scan
         * would be a third of the scan's system calls.
         */
        @Override
        public synchronized NetnsKnobs sysctls() throws ReaderException {
            Integer somaxconn = read(knobFds[0], NetnsKnobs.Knob.SOMAXCONN);
            if (others == null || ++callsSinceOthers >= KNOBS_EVERY) {
                NetnsKnobs.Knob[] knobs = NetnsKnobs.Knob.values();
                Integer[] values = new Integer[knobs.length];
                for (int i = 1; i < knobs.length; i++) {
                    values[i] = knobFds[i] < 0 ? null : read(knobFds[i], knobs[i]);
                }
                others = values;
                callsSinceOthers = 0;
            }
            return new NetnsKnobs(somaxconn, others[1], others[2], others[3]);
        }

        /** A sysctl integer, parsed from the bytes read (no string: this runs for every namespace, every scan). */
        private Integer read(int fd, NetnsKnobs.Knob knob) throws ReaderException {
            long n;
            try {
                n = Libc.pread(fd, knobBuf, knobBuf.byteSize(), 0, knob.path());
            } catch (Libc.SyscallException e) {
                throw new ReaderException("reading " + knob.path() + ": " + e.getMessage(), false, e);
            }
            long value = 0;
            int digits = 0;
            boolean negative = false;
            for (long i = 0; i < n; i++) {
                byte b = knobBuf.get(ValueLayout.JAVA_BYTE, i);
                if (b == '\n' && i == n - 1 && digits > 0) {
                    break;
                }
                if (b == '-' && i == 0) {
                    negative = true;
                } else if (b >= '0' && b <= '9' && digits < 10) {
                    value = value * 10 + (b - '0');
                    digits++;
                } else {
                    throw new ReaderException(knob.path() + " is not a number: "
                            + new String(knobBuf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII).strip());
                }
            }
            if (digits == 0 || value > Integer.MAX_VALUE) {
                throw new ReaderException(knob.path() + " is not an int: "
                        + new String(knobBuf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII).strip());
            }
            return (int) (negative ? -value : value);
        }

        @Override
        public synchronized void close() {
            socket.close();
            for (int fd : knobFds) {
                Libc.close(fd);
            }
            arena.close();
        }
    }
}
