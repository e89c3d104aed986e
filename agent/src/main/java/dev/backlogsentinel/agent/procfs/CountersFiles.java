package dev.backlogsentinel.agent.procfs;

import dev.backlogsentinel.agent.kernel.NetnsSource;
import dev.backlogsentinel.agent.kernel.NetnsSource.Reading;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import dev.backlogsentinel.agent.kernel.ReaderException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
        String file = netstat.path().toString();
        if (netstat.refusal() != null) {
            return new Reading<>(null, List.of(NetnsSource.Problem.malformed(file, 1, netstat.refusal())));
        }
        try {
            ProcFile.Text text = netstat.readText();
            NetstatParser.Parsed parsed = parser.parse(text.text());
            List<NetnsSource.Problem> problems = new ArrayList<>(2);
            if (parsed.malformed() > 0) {
                problems.add(NetnsSource.Problem.malformed(file, parsed.malformed(), parsed.firstProblem()));
            }
            if (text.cutAtCap()) {
                problems.add(NetnsSource.Problem.cutAtCap(file));
            }
            return new Reading<>(parsed.counters(), problems);
        } catch (IOException e) {
            throw new ReaderException(netstat.path() + ": reading counters failed: " + e.getMessage(), false, e);
        }
    }

    @Override
    public void close() {
        netstat.close();
    }
}
