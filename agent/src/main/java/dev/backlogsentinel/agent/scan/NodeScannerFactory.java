package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.kernel.ProcInodes;
import dev.backlogsentinel.agent.kernel.ReaderChoice;
import dev.backlogsentinel.agent.config.AgentConfig;
import dev.backlogsentinel.agent.kernel.NetnsKnobs;
import dev.backlogsentinel.agent.netlink.NetlinkReader;
import dev.backlogsentinel.agent.netns.NetnsDiscovery;
import dev.backlogsentinel.agent.procfs.ProcfsReader;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/** Builds a scanner from the configuration, with the command line's overrides where it gave any. */
@ApplicationScoped
public class NodeScannerFactory {

    /** The agent's own view, whatever the procfs root: which namespace it runs in, and its TCP knobs. */
    private static final Path OWN_NET_TCP = Path.of("/proc/thread-self/net/tcp");
    private static final Path OWN_SYSCTLS = Path.of("/proc/sys");

    private final AgentConfig config;
    private final Clock clock;

    @Inject
    public NodeScannerFactory(AgentConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** The node agent's scanner (ScanCadence.NODE_AGENT). */
    public NodeScanner create() {
        return create(config.reader(), Path.of(config.procRoot()), ScanCadence.NODE_AGENT);
    }

    /** The command line's (ScanCadence.COMMAND_LINE): everything, every scan. */
    public NodeScanner create(ReaderChoice choice, Path procRoot) {
        return create(choice, procRoot, ScanCadence.COMMAND_LINE);
    }

    public NodeScanner create(ReaderChoice choice, Path procRoot, ScanCadence cadence) {
        long ownKey = ownKey();
        ProcfsReader procfs = new ProcfsReader(procRoot, config.maxProcFileBytes(), ownKey, NodeScannerFactory::ownSysctls);
        NetlinkReader netlink = choice == ReaderChoice.PROCFS ? null : new NetlinkReader(procRoot);
        return new NodeScanner(new NetnsDiscovery(procRoot), choice, netlink, procfs, config.maxProcFileBytes(),
                config.synRecvNearPercent(), cadence, ownKey, clock);
    }

    static long ownKey() {
        try {
            return ProcInodes.of(OWN_NET_TCP);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat " + OWN_NET_TCP + ": is /proc mounted?", e);
        }
    }

    /** The agent's own namespace's knobs, each null when it cannot be read. */
    static NetnsKnobs ownSysctls() {
        NetnsKnobs.Knob[] knobs = NetnsKnobs.Knob.values();
        Integer[] values = new Integer[knobs.length];
        for (int i = 0; i < knobs.length; i++) {
            values[i] = readInt(OWN_SYSCTLS.resolve(knobs[i].path()));
        }
        return NetnsKnobs.of(values);
    }

    /**
     * One read() into a buffer: a sysctl integer answers EOF to any read at a non-zero offset, so a
     * reader that starts with one byte (Files.readString on a zero-size file) sees only "4" of "4096".
     */
    static Integer readInt(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[32];
            int n = in.read(buf);
            return n <= 0 ? null : Integer.valueOf(new String(buf, 0, n, StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }
}
