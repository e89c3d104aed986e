package dev.backlogsentinel.agent.local;

import dev.backlogsentinel.api.Vocabulary;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backlogsentinel.agent.config.AgentConfig;
import dev.backlogsentinel.agent.metrics.ScanMetrics;
import dev.backlogsentinel.agent.scan.NodeScan;
import dev.backlogsentinel.agent.scan.NodeScanner;
import dev.backlogsentinel.agent.scan.NodeScannerFactory;
import dev.backlogsentinel.agent.kernel.ReaderChoice;
import io.quarkus.runtime.configuration.DurationConverter;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Local mode: no cluster, every listener in every network namespace of this machine, as a live
 * table, JSON Lines (one object per scan), or one table or JSON document. Never touches the Kubernetes client.
 */
@Dependent
@Command(name = Vocabulary.AGENT, mixinStandardHelpOptions = true,
        description = "Shows every TCP listen queue of this machine, in every network namespace: depth against "
                + "the socket's real limit, which knob sets that limit, and the namespace's drop counters.")
public class LocalCommand implements Callable<Integer> {

    /** Output formats. */
    public enum Output {
        table,
        json
    }

    @Option(names = "--once", description = "Print one scan and exit.")
    boolean once;

    @Option(names = {"-o", "--output"}, description = "table (default) or json: with --once one JSON document, "
            + "else one JSON object per scan per line (JSON Lines), for jq and log shippers.")
    Output output = Output.table;

    @Option(names = "--reader", description = "auto (default: netlink where permitted, else procfs), netlink or procfs.",
            converter = ReaderConverter.class)
    ReaderChoice reader;

    @Option(names = "--interval", description = "Time between scans of the live table, e.g. 2s or 500ms.",
            converter = DurationOption.class)
    Duration interval;

    @Option(names = "--proc-root", description = "procfs root to read (default /proc).")
    Path procRoot;

    @Option(names = "--rows", description = "Rows of the table, worst first (default ${DEFAULT-VALUE}).")
    int rows = 50;

    private final NodeScannerFactory factory;
    private final ScanMetrics metrics;
    private final AgentConfig config;
    private final ObjectMapper json;
    PrintStream out = System.out;

    @Inject
    public LocalCommand(NodeScannerFactory factory, ScanMetrics metrics, AgentConfig config, ObjectMapper json) {
        this.factory = factory;
        this.metrics = metrics;
        this.config = config;
        this.json = json.copy();
    }

    /** True when the arguments ask for one scan, so start-up can skip the HTTP listener. */
    public static boolean isOneShot(List<String> args) {
        for (String a : args) {
            if (a.equals("--once") || a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Integer call() throws Exception {
        ReaderChoice choice = reader != null ? reader : config.reader();
        Path root = procRoot != null ? procRoot : Path.of(config.procRoot());
        Duration every = interval != null ? interval : config.scanInterval();
        boolean live = !once;
        boolean terminal = System.console() != null;
        try (NodeScanner scanner = factory.create(choice, root)) {
            while (true) {
                NodeScan scan = scanner.scan();
                metrics.record(scan);
                if (output == Output.json) {
                    // --once: one document for people; live: one line per scan (JSON Lines), flushed below.
                    LocalReport report = LocalReport.of(scan);
                    out.println(live ? json.writeValueAsString(report)
                            : json.writerWithDefaultPrettyPrinter().writeValueAsString(report));
                } else {
                    // Redraw in place on a terminal; append when piped, so a log keeps every scan.
                    out.print((live && terminal ? "\033[H\033[2J" : "") + ListenerTable.render(scan, rows));
                    if (live && !terminal) {
                        out.println();
                    }
                }
                out.flush();
                // A PrintStream swallows write errors, and the JVM ignores SIGPIPE: without this,
                // `-o json | head -n 3` or a jq that quit would leave the agent scanning into a
                // closed pipe for ever. The reader went away: stop, as a Unix filter does.
                if (!live || out.checkError()) {
                    return 0;
                }
                Thread.sleep(every);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    static final class ReaderConverter implements CommandLine.ITypeConverter<ReaderChoice> {
        @Override
        public ReaderChoice convert(String value) {
            try {
                return ReaderChoice.valueOf(value.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a reader: use auto, netlink or procfs");
            }
        }
    }

    static final class DurationOption implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d = DurationConverter.parseDuration(value);
            if (d == null || d.isNegative() || d.isZero()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a positive duration (e.g. 2s, 500ms)");
            }
            return d;
        }
    }
}
