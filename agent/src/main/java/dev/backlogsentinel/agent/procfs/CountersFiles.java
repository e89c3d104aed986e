package dev.backlogsentinel.agent.procfs;

import dev.backlogsentinel.agent.kernel.NetnsSource.Reading;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import dev.backlogsentinel.agent.kernel.ReaderException;
import dev.backlogsentinel.agent.kernel.ScanErrors;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The netstat file of one namespace, kept open. Both readers take their counters from here: procfs
 * needs no capability for them and costs little (no connection-table walk), one read per scan.
 */
public final class CountersFiles implements AutoCloseable {

    private final ProcFile netstat;
    private final NetstatParser parser = new NetstatParser();

    private CountersFiles(ProcFile netstat) {
        this.netstat = netstat;
    }

    /** Opens the file of one process; the caller tries the next process when this one vanished. */
    public static CountersFiles open(Path pidDir, long maxBytes) throws IOException {
        return new CountersFiles(ProcFile.open(pidDir.resolve("net/netstat"), maxBytes));
    }

    /** The counters, or a null value (unknown, never zeros) when the file's TcpExt cannot be believed. */
    public Reading<NetnsCounters> read() throws ReaderException {
        if (netstat.refusal() != null) {
            return new Reading<>(null, 1, netstat.path() + ": " + netstat.refusal(), false);
        }
        try {
            ProcFile.Text text = netstat.readText();
            NetstatParser.Parsed parsed = parser.parse(text.text());
            // Each part names the file first ("path: ..."): the scan's errors take it from there.
            String problem = parsed.firstProblem() == null ? null
                    : netstat.path() + ": " + parsed.firstProblem() + (parsed.malformed() > 1 ? " (" + parsed.malformed() + " problems)" : "");
            if (text.cutAtCap()) {
                String cut = netstat.path() + ": " + ScanErrors.CUT_AT_CAP;
                problem = problem == null ? cut : problem + "; " + cut;
            }
            return new Reading<>(parsed.counters(), parsed.malformed(), problem, text.cutAtCap());
        } catch (IOException e) {
            throw new ReaderException(netstat.path() + ": reading counters failed: " + e.getMessage(), false, e);
        }
    }

    @Override
    public void close() {
        netstat.close();
    }
}
