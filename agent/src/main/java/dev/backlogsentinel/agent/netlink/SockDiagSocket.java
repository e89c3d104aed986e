package dev.backlogsentinel.agent.netlink;

import dev.backlogsentinel.agent.kernel.Libc;
import dev.backlogsentinel.agent.kernel.Addresses;
import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.kernel.ListenerSample;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * A NETLINK_SOCK_DIAG socket opened inside one network namespace and kept for its lifetime.
 * Dumps TCP sockets by state (linux/inet_diag.h). Not thread-safe: the scanner uses it from one
 * thread at a time.
 *
 * <p>Listeners are dumped with the original request, TCPDIAG_GETSOCK and struct inet_diag_req,
 * which the kernel still serves and answers for both families at once (it runs the dump with
 * family AF_UNSPEC); SOCK_DIAG_BY_FAMILY and inet_diag_req_v2 take one family per request. A
 * LISTEN dump costs the kernel a walk of the whole listening hash (tens of thousands of buckets
 * on a large machine) whatever the namespace holds, so one walk instead of two halves the
 * kernel's share of a scan.
 */
final class SockDiagSocket implements AutoCloseable {

    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int TCP_SYN_RECV = 3;
    static final int TCP_LISTEN = 10;

    private static final int SOCK_DIAG_BY_FAMILY = 20;
    /** The original inet_diag request type, for TCP: family-less, served by inet_diag_rcv_msg_compat. */
    private static final int TCPDIAG_GETSOCK = 18;
    private static final int NLMSG_ERROR = 2;
    private static final int NLMSG_DONE = 3;
    private static final short NLM_F_REQUEST = 1;
    private static final short NLM_F_DUMP = 0x300;
    private static final int NLMSG_HDRLEN = 16;
    private static final int REQUEST_LEN = NLMSG_HDRLEN + 56;
    /** struct inet_diag_req: family, src_len, dst_len, ext, inet_diag_sockid (48), states, dbs. */
    private static final int COMPAT_REQUEST_LEN = NLMSG_HDRLEN + 60;
    private static final int INET_DIAG_MSG_LEN = 72;
    private static final int INET_DIAG_SKMEMINFO = 7;
    private static final int SK_MEMINFO_DROPS = 8;
    private static final int RECV_BUFFER = 64 * 1024;
    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment request;
    private final MemorySegment address;
    /**
     * The receive buffer, one per reading thread and shared by every namespace's socket: a dump is
     * read and parsed before the next starts, and a buffer per socket would hold 64 KiB of native
     * memory per namespace.
     */
    private static final ThreadLocal<MemorySegment> RECEIVE = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(RECV_BUFFER, 8));
    private MemorySegment buffer;
    private int seq;
    /** Endpoints by socket inode, from the last dump; seenEndpoints collects this dump's. */
    private Map<Long, KnownEndpoint> endpoints = new HashMap<>();
    private Map<Long, KnownEndpoint> seenEndpoints = new HashMap<>();

    private SockDiagSocket(int fd) {
        this.fd = fd;
        this.request = arena.allocate(Math.max(REQUEST_LEN, COMPAT_REQUEST_LEN), 8);
        this.address = arena.allocate(12, 4);
        address.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_NETLINK);
    }

    /** Opens the socket in the calling thread's namespace, with a receive timeout so a dump can never hang a scan. */
    static SockDiagSocket openHere() throws Libc.SyscallException {
        int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.NETLINK_SOCK_DIAG);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment timeout = a.allocate(16, 8);
            timeout.set(ValueLayout.JAVA_LONG, 0, 5);
            Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, timeout, "SO_RCVTIMEO");
        } catch (Libc.SyscallException e) {
            Libc.close(fd);
            throw e;
        }
        return new SockDiagSocket(fd);
    }

    /** Receives a listener's fields from a dump. */
    interface Sink {
        void accept(ListenerSample sample, int state);
    }

    /**
     * Dumps sockets of one family in the given TCP states. A LISTEN-only dump walks only the
     * listening hash; asking for SYN_RECV walks the established table too, so it is done on demand.
     *
     * @return number of malformed messages skipped
     */
    int dump(int family, int stateMask, boolean memInfo, Sink sink) throws Libc.SyscallException, DumpException {
        int mySeq = dumpHeader(REQUEST_LEN, SOCK_DIAG_BY_FAMILY);
        request.set(ValueLayout.JAVA_BYTE, 16, (byte) family);
        request.set(ValueLayout.JAVA_BYTE, 17, (byte) 6); // IPPROTO_TCP
        request.set(ValueLayout.JAVA_BYTE, 18, (byte) (memInfo ? 1 << (INET_DIAG_SKMEMINFO - 1) : 0));
        request.set(INT, 20, stateMask);
        Libc.sendto(fd, request, REQUEST_LEN, address, 12);
        return receive(mySeq, SOCK_DIAG_BY_FAMILY, memInfo, sink);
    }

    /**
     * Dumps TCP sockets of both families in the given states with one request (TCPDIAG_GETSOCK).
     *
     * @return number of malformed messages skipped
     */
    int dumpBothFamilies(int stateMask, boolean memInfo, Sink sink) throws Libc.SyscallException, DumpException {
        int mySeq = dumpHeader(COMPAT_REQUEST_LEN, TCPDIAG_GETSOCK);
        request.set(ValueLayout.JAVA_BYTE, 19, (byte) (memInfo ? 1 << (INET_DIAG_SKMEMINFO - 1) : 0));
        request.set(INT, 16 + 52, stateMask);
        Libc.sendto(fd, request, COMPAT_REQUEST_LEN, address, 12);
        return receive(mySeq, TCPDIAG_GETSOCK, memInfo, sink);
    }

    /** Clears the request and writes a dump request's nlmsghdr; returns its sequence number. */
    private int dumpHeader(int length, int type) {
        int mySeq = ++seq;
        request.fill((byte) 0);
        request.set(INT, 0, length);
        request.set(ValueLayout.JAVA_SHORT_UNALIGNED, 4, (short) type);
        request.set(ValueLayout.JAVA_SHORT_UNALIGNED, 6, (short) (NLM_F_REQUEST | NLM_F_DUMP));
        request.set(INT, 8, mySeq);
        return mySeq;
    }

    private int receive(int mySeq, int answerType, boolean memInfo, Sink sink) throws Libc.SyscallException, DumpException {
        buffer = RECEIVE.get();
        seenEndpoints.clear();
        int malformed = 0;
        while (true) {
            long n = Libc.recv(fd, buffer, RECV_BUFFER);
            if (n == 0) {
                throw new DumpException("netlink socket closed mid-dump");
            }
            long off = 0;
            while (off + NLMSG_HDRLEN <= n) {
                int len = buffer.get(INT, off);
                int type = Short.toUnsignedInt(buffer.get(ValueLayout.JAVA_SHORT_UNALIGNED, off + 4));
                int msgSeq = buffer.get(INT, off + 8);
                if (len < NLMSG_HDRLEN || off + len > n) {
                    throw new DumpException("netlink message of length " + len + " at offset " + off + " of " + n);
                }
                if (msgSeq == mySeq) {
                    if (type == NLMSG_DONE) {
                        if (memInfo) {
                            // Only a full LISTEN dump tells which sockets are gone; a SYN_RECV one keeps them.
                            Map<Long, KnownEndpoint> previous = endpoints;
                            endpoints = seenEndpoints;
                            seenEndpoints = previous;
                        }
                        return malformed;
                    }
                    if (type == NLMSG_ERROR) {
                        int error = len >= NLMSG_HDRLEN + 4 ? -buffer.get(INT, off + NLMSG_HDRLEN) : 0;
                        throw new DumpException("sock_diag dump refused: " + Libc.strerror(error) + " (errno " + error + ")");
                    }
                    if (type == answerType) {
                        if (len < NLMSG_HDRLEN + INET_DIAG_MSG_LEN) {
                            malformed++;
                        } else {
                            sink.accept(parse(off + NLMSG_HDRLEN, off + len, memInfo), buffer.get(ValueLayout.JAVA_BYTE, off + NLMSG_HDRLEN + 1));
                        }
                    }
                }
                off += align4(len);
            }
        }
    }

    private ListenerSample parse(long msg, long end, boolean memInfo) {
        int family = buffer.get(ValueLayout.JAVA_BYTE, msg);
        int port = Short.toUnsignedInt(buffer.get(BE_SHORT, msg + 4));
        int addrLen = family == AF_INET ? 4 : 16;
        // idiag_rqueue is a __u32: kept whole, as the procfs reader keeps rx_queue.
        long rqueue = Integer.toUnsignedLong(buffer.get(INT, msg + 56));
        int wqueue = buffer.get(INT, msg + 60);
        long inode = Integer.toUnsignedLong(buffer.get(INT, msg + 68));
        Long drops = null;
        if (memInfo) {
            long attr = msg + INET_DIAG_MSG_LEN;
            while (attr + 4 <= end) {
                int alen = Short.toUnsignedInt(buffer.get(ValueLayout.JAVA_SHORT_UNALIGNED, attr));
                int atype = Short.toUnsignedInt(buffer.get(ValueLayout.JAVA_SHORT_UNALIGNED, attr + 2));
                if (alen < 4 || attr + alen > end) {
                    break;
                }
                if (atype == INET_DIAG_SKMEMINFO && alen >= 4 + 4 * (SK_MEMINFO_DROPS + 1)) {
                    drops = Integer.toUnsignedLong(buffer.get(INT, attr + 4 + 4L * SK_MEMINFO_DROPS));
                }
                attr += align4(alen);
            }
        }
        return new ListenerSample(endpoint(inode, family, port, msg + 8, addrLen), inode, rqueue, wqueue, drops);
    }

    /**
     * The socket's local endpoint, formatted once per socket: a listener's address never changes
     * after listen(), and formatting it anew for every socket of every namespace every scan was
     * most of a dump's garbage. A recycled inode with another address is formatted afresh.
     */
    private Endpoint endpoint(long inode, int family, int port, long addrAt, int addrLen) {
        KnownEndpoint known = endpoints.get(inode);
        if (known != null && known.endpoint().port() == port && known.raw().length == addrLen
                && MemorySegment.mismatch(MemorySegment.ofArray(known.raw()), 0, addrLen, buffer, addrAt, addrAt + addrLen) < 0) {
            seenEndpoints.put(inode, known);
            return known.endpoint();
        }
        byte[] addr = buffer.asSlice(addrAt, addrLen).toArray(ValueLayout.JAVA_BYTE);
        Endpoint endpoint = new Endpoint(family == AF_INET ? Family.IPv4 : Family.IPv6, Addresses.format(addr), port);
        seenEndpoints.put(inode, new KnownEndpoint(addr, endpoint));
        return endpoint;
    }

    private record KnownEndpoint(byte[] raw, Endpoint endpoint) {
    }

    private static long align4(long len) {
        return (len + 3) & ~3L;
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }

    /** The kernel answered a dump with an error or with bytes that are not netlink messages. */
    static final class DumpException extends Exception {
        DumpException(String message) {
            super(message);
        }
    }
}
