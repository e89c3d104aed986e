package dev.backlogsentinel.agent.procfs;

import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.kernel.ListenerSample;
import dev.backlogsentinel.agent.kernel.ListenerReader;
import dev.backlogsentinel.agent.kernel.NetnsSource;
import dev.backlogsentinel.agent.kernel.NetnsKnobs;
import dev.backlogsentinel.agent.kernel.ReaderException;
import dev.backlogsentinel.agent.kernel.ReaderKind;
import dev.backlogsentinel.agent.kernel.ScanErrors;
import dev.backlogsentinel.agent.kernel.NetnsProcesses;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The zero-capability reader: /proc/&lt;pid&gt;/net/tcp and tcp6. Depth is exact; the socket's own
 * limit is not in procfs, so the limit shown is the namespace's somaxconn where the agent can read
 * it (its own namespace, as its other TCP knobs), an upper bound marked limitedBy: unknown.
 */
public final class ProcfsReader implements ListenerReader {

    private final Path procRoot;
    private final long maxFileBytes;
    private final long ownKey;
    private final Supplier<NetnsKnobs> ownSysctls;

    /**
     * @param ownKey     key of the agent's own namespace, whose knobs it can read without entering
     * @param ownSysctls reads them (null where it cannot)
     */
    public ProcfsReader(Path procRoot, long maxFileBytes, long ownKey, Supplier<NetnsKnobs> ownSysctls) {
        this.procRoot = procRoot;
        this.maxFileBytes = maxFileBytes;
        this.ownKey = ownKey;
        this.ownSysctls = ownSysctls;
    }

    @Override
    public ReaderKind kind() {
        return ReaderKind.PROCFS;
    }

    @Override
    public NetnsSource open(NetnsProcesses netns) throws ReaderException {
        return netns.throughAnyPid(pid -> {
            Path dir = procRoot.resolve(Integer.toString(pid));
            ProcFile tcp = null;
            try {
                tcp = ProcFile.open(dir.resolve("net/tcp"), maxFileBytes);
                ProcFile tcp6 = openOptional(dir.resolve("net/tcp6"));
                return new ProcfsSource(tcp, tcp6, netns.key() == ownKey ? ownSysctls : null);
            } catch (NoSuchFileException e) {
                closeQuietly(tcp);
                throw new ReaderException("pid " + pid + " exited before its net/tcp could be opened");
            } catch (AccessDeniedException e) {
                closeQuietly(tcp);
                throw new ReaderException("not allowed to open " + e.getFile(), true, e);
            } catch (IOException e) {
                closeQuietly(tcp);
                throw new ReaderException("opening " + dir.resolve("net/tcp") + ": " + e, false, e);
            }
        });
    }

    /** tcp6 is absent on kernels booted without IPv6: that is a fact, not an error. */
    private ProcFile openOptional(Path path) throws IOException {
        try {
            return ProcFile.open(path, maxFileBytes);
        } catch (NoSuchFileException e) {
            if (Files.exists(path.getParent())) {
                return null;
            }
            throw e;
        }
    }

    private static void closeQuietly(ProcFile file) {
        if (file != null) {
            file.close();
        }
    }

    private static final class ProcfsSource implements NetnsSource {
        private final ProcFile tcp;
        private final ProcFile tcp6;
        private final Supplier<NetnsKnobs> sysctls;

        ProcfsSource(ProcFile tcp, ProcFile tcp6, Supplier<NetnsKnobs> sysctls) {
            this.tcp = tcp;
            this.tcp6 = tcp6;
            this.sysctls = sysctls;
        }

        @Override
        public ReaderKind kind() {
            return ReaderKind.PROCFS;
        }

        @Override
        public Reading<List<ListenerSample>> listeners() throws ReaderException {
            TcpTableParser v4 = new TcpTableParser(Family.IPv4, false);
            TcpTableParser v6 = new TcpTableParser(Family.IPv6, false);
            boolean cut4 = read(tcp, v4);
            boolean cut6 = tcp6 != null && read(tcp6, v6);
            List<ListenerSample> all = new ArrayList<>(v4.listeners());
            all.addAll(v6.listeners());
            return new Reading<>(all, problems(v4, cut4, v6, cut6));
        }

        @Override
        public Reading<Map<Endpoint, Integer>> synRecv() throws ReaderException {
            TcpTableParser v4 = new TcpTableParser(Family.IPv4, true);
            TcpTableParser v6 = new TcpTableParser(Family.IPv6, true);
            boolean cut4 = read(tcp, v4);
            boolean cut6 = tcp6 != null && read(tcp6, v6);
            Map<Endpoint, Integer> all = new HashMap<>(v4.synRecv());
            all.putAll(v6.synRecv());
            return new Reading<>(all, problems(v4, cut4, v6, cut6));
        }

        /**
         * What went wrong, file by file: a file refused at open (not what the kernel makes there,
         * counted on every read), lines refused, then files cut at the cap.
         */
        private List<NetnsSource.Problem> problems(TcpTableParser v4, boolean cut4, TcpTableParser v6, boolean cut6) {
            List<NetnsSource.Problem> problems = new ArrayList<>(2);
            for (ProcFile file : new ProcFile[] {tcp, tcp6}) {
                if (file != null && file.refusal() != null) {
                    problems.add(NetnsSource.Problem.malformed(file.path().toString(), 1, file.refusal()));
                }
            }
            for (TcpTableParser p : new TcpTableParser[] {v4, v6}) {
                if (p.malformed() > 0) {
                    problems.add(NetnsSource.Problem.malformed((p == v4 ? tcp : tcp6).path().toString(), p.malformed(), p.firstProblem()));
                }
            }
            if (cut4) {
                problems.add(NetnsSource.Problem.cutAtCap(tcp.path().toString()));
            }
            if (cut6) {
                problems.add(NetnsSource.Problem.cutAtCap(tcp6.path().toString()));
            }
            return problems;
        }

        private static boolean read(ProcFile file, TcpTableParser parser) throws ReaderException {
            try {
                return file.forEachLine(parser).cutAtCap();
            } catch (IOException e) {
                throw new ReaderException(file.path() + ": reading failed: " + e.getMessage(), false, e);
            }
        }

        @Override
        public NetnsKnobs sysctls() {
            return sysctls == null ? NetnsKnobs.UNKNOWN : sysctls.get();
        }

        @Override
        public void close() {
            tcp.close();
            if (tcp6 != null) {
                tcp6.close();
            }
        }
    }
}
