package dev.backlogsentinel.agent.procfs;

import dev.backlogsentinel.agent.kernel.NetnsSource.Reading;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import dev.backlogsentinel.agent.kernel.ReaderException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The netstat and snmp files of one namespace, kept open. Both readers take their counters from
 * here: procfs needs no capability for them and costs little (no connection-table walk).
 */
public final class CountersFiles implements AutoCloseable {

    private final ProcFile netstat;
    private final ProcFile snmp;

    private CountersFiles(ProcFile netstat, ProcFile snmp) {
        this.netstat = netstat;
        this.snmp = snmp;
    }

    /** Opens both files of one process; the caller tries the next process when this one vanished. */
    public static CountersFiles open(Path pidDir, long maxBytes) throws IOException {
        ProcFile netstat = ProcFile.open(pidDir.resolve("net/netstat"), maxBytes);
        try {
            return new CountersFiles(netstat, ProcFile.open(pidDir.resolve("net/snmp"), maxBytes));
        } catch (IOException e) {
            netstat.close();
            throw e;
        }
    }

    public Reading<NetnsCounters> read() throws ReaderException {
        try {
            NetstatParser.Parsed parsed = NetstatParser.parse(List.of(netstat.readAll(), snmp.readAll()));
            String missing = parsed.values().containsKey("TcpExt.ListenOverflows") ? null
                    : "no TcpExt ListenOverflows in " + netstat.path();
            int malformed = parsed.malformed() + (missing == null ? 0 : 1);
            return new Reading<>(parsed.counters(), malformed,
                    missing != null ? missing : malformed > 0 ? "unreadable line pair in " + netstat.path() + " or " + snmp.path() : null,
                    false);
        } catch (IOException e) {
            throw new ReaderException("reading counters " + netstat.path() + ": " + e.getMessage(), false, e);
        }
    }

    @Override
    public void close() {
        netstat.close();
        snmp.close();
    }
}
