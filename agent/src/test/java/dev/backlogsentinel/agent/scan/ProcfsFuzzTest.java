package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.TestConfig;
import dev.backlogsentinel.agent.attribution.CgroupAttributor;
import dev.backlogsentinel.agent.attribution.NetnsAttribution;
import dev.backlogsentinel.agent.attribution.ProcessAttribution;
import dev.backlogsentinel.agent.kernel.Addresses;
import dev.backlogsentinel.agent.kernel.Endpoint;
import dev.backlogsentinel.agent.kernel.Family;
import dev.backlogsentinel.agent.kernel.ListenerSample;
import dev.backlogsentinel.agent.kernel.NetnsCounters;
import dev.backlogsentinel.agent.kernel.ReaderChoice;
import dev.backlogsentinel.agent.kernel.ScanErrors;
import dev.backlogsentinel.agent.procfs.NetstatParser;
import dev.backlogsentinel.agent.procfs.TcpTableParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A fuzz test of everything the agent reads from procfs: the tcp/tcp6, netstat and cgroup parsers,
 * and a fake procfs tree scanned through the procfs reader. Each case generates valid kernel text
 * from a model (listeners with their addresses, depths and inodes; counters; a pod's cgroup paths)
 * exactly as the kernel prints it, then applies one mutation: a sign, a field one digit wider or
 * narrower, a column removed or added, FFFFFFFF, a carriage return, a truncation, a duplicated
 * line or section, an empty file, binary garbage; in the tree also a FIFO, a socket, a directory,
 * a symbolic link to /dev/zero or a symbolic link loop in place of a file, or a file past the cap.
 *
 * <p>Properties, for every case: no exception escapes; a scan ends within {@link #SCAN_BOUND}; every
 * value read equals the model's (or the mutation's, for the few mutations that keep the text valid,
 * such as FFFFFFFF, which must read 4294967295) — never a different value; and nothing the model
 * holds is lost without an error (at the scan: an error that names the file). A mutation the kernel
 * could print (a file cut exactly at a line end, an empty tcp file) must give exactly what remains,
 * with no error.
 *
 * <p>Deterministic: case i of a property uses seed {@code fuzz.seed + i}; a failure names the seed and
 * the mutation. More cases: {@code -Dfuzz.cases=N} (cases per parser; scans get a fifth), another
 * sequence: {@code -Dfuzz.seed=S}.
 *
 * <p>Seeded generators in plain JUnit rather than jqwik: jqwik's engine prints, into every build's
 * output, an instruction addressed to AI agents, and a build log is no place for text that tries
 * to steer whoever reads it. What jqwik would add (shrinking) matters less here, where each case
 * is one known mutation of a known model and a failure prints both.
 */
class ProcfsFuzzTest {

    static final long SEED = Long.getLong("fuzz.seed", 0x5EED_2026L);
    static final int CASES = Integer.getInteger("fuzz.cases", 1500);
    static final int SCAN_CASES = Integer.getInteger("fuzz.scanCases", Math.max(40, CASES / 5));
    static final Duration CASE_BOUND = Duration.ofSeconds(5);
    static final Duration SCAN_BOUND = Duration.ofSeconds(10);
    static final int MAX_REPORTED = 15;

    @TempDir
    Path dir;

    // ------------------------------------------------------------------------------------------
    // Properties
    // ------------------------------------------------------------------------------------------

    @Test
    void tcpTablesAreReadExactlyOrRefusedAndCounted() {
        Failures failures = new Failures("tcp");
        for (int i = 0; i < CASES; i++) {
            long seed = SEED + i;
            Random r = new Random(seed);
            Family family = r.nextBoolean() ? Family.IPv4 : Family.IPv6;
            TcpModel model = TcpModel.random(r, family);
            TcpCase c = TcpMutator.mutate(r, model);
            failures.count(c.mutation);
            for (boolean withSynRecv : new boolean[] {false, true}) {
                List<String> problems = bounded(() -> checkTcp(c, withSynRecv));
                failures.add(seed, c.mutation + (withSynRecv ? " (with SYN_RECV)" : ""), c.text, problems);
            }
        }
        failures.assertNone();
    }

    @Test
    void netstatIsReadExactlyOrRefusedAndCounted() {
        Failures failures = new Failures("netstat");
        for (int i = 0; i < CASES; i++) {
            long seed = SEED + 1_000_000L + i;
            Random r = new Random(seed);
            NetstatModel model = NetstatModel.random(r);
            NetstatCase c = NetstatMutator.mutate(r, model);
            failures.count(c.mutation);
            failures.add(seed, c.mutation, c.text, bounded(() -> checkNetstat(c)));
        }
        failures.assertNone();
    }

    @Test
    void cgroupsAttributeExactlyOrRefuse() {
        Failures failures = new Failures("cgroup");
        for (int i = 0; i < CASES; i++) {
            long seed = SEED + 2_000_000L + i;
            Random r = new Random(seed);
            CgroupModel model = CgroupModel.random(r);
            CgroupCase c = CgroupMutator.mutate(r, model);
            failures.count(c.mutation);
            failures.add(seed, c.mutation, c.text, bounded(() -> checkCgroup(c)));
        }
        failures.assertNone();
    }

    @Test
    void aScannedTreeLosesNothingWithoutAnErrorNamingTheFile() throws Exception {
        Failures failures = new Failures("scan");
        for (int i = 0; i < SCAN_CASES; i++) {
            long seed = SEED + 3_000_000L + i;
            Random r = new Random(seed);
            Path root = Files.createDirectories(dir.resolve("case" + i));
            Tree tree = Tree.random(r, root);
            String mutation = tree.mutate(r);
            failures.count(mutation);
            List<String> problems;
            try {
                problems = assertTimeoutPreemptively(SCAN_BOUND, () -> {
                    try {
                        return checkScan(tree);
                    } catch (Throwable t) {
                        return List.of("exception escaped: " + t);
                    }
                }, () -> "scan did not end within " + SCAN_BOUND + " (" + mutation + ")");
            } catch (AssertionError e) {
                problems = List.of("hang: " + e.getMessage());
            }
            failures.add(seed, mutation, tree.describe(), problems);
        }
        failures.assertNone();
    }

    /** Runs one parser case under the time bound; what went wrong, or an empty list. */
    private static List<String> bounded(Supplier<List<String>> check) {
        try {
            return assertTimeoutPreemptively(CASE_BOUND, () -> {
                try {
                    return check.get();
                } catch (Throwable t) {
                    return List.of("exception escaped: " + t);
                }
            });
        } catch (AssertionError e) {
            return List.of("hang: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------
    // The oracles
    // ------------------------------------------------------------------------------------------

    /** What one listener is: the values the agent reports. */
    record Value(Endpoint endpoint, long inode, long depth) {
        static Value of(ListenerSample s) {
            long depth = s.depth();
            return new Value(s.endpoint(), s.inode(), depth);
        }
    }

    static List<String> checkTcp(TcpCase c, boolean withSynRecv) {
        TcpTableParser p = new TcpTableParser(c.family, withSynRecv);
        List<String> lines = new ArrayList<>();
        boolean unterminated = splitLines(c.text, lines);
        for (int i = 0; i < lines.size(); i++) {
            if (i == lines.size() - 1 && unterminated) {
                p.unterminated(lines.get(i));
            } else if (!p.accept(lines.get(i))) {
                break;
            }
        }
        List<Value> read = p.listeners().stream().map(Value::of).toList();
        return TcpOracle.check(c, lines, unterminated, read, p.malformed(), withSynRecv);
    }

    /** The expectations of one tcp text, from the model's lines found intact in it. */
    static final class TcpOracle {
        static List<String> check(TcpCase c, List<String> lines, boolean unterminated, List<Value> read, int malformed,
                boolean withSynRecv) {
            List<String> problems = new ArrayList<>();
            // Every listener read must be one of the model's (or a valid mutation's), exactly.
            Map<Long, Set<Value>> allowed = new HashMap<>();
            c.known.values().forEach(v -> allowed.computeIfAbsent(v.inode(), k -> new HashSet<>()).add(v));
            Set<Long> seen = new HashSet<>();
            for (Value v : read) {
                if (!allowed.getOrDefault(v.inode(), Set.of()).contains(v)) {
                    problems.add("silent wrong answer: read " + v + ", the model has " + allowed.getOrDefault(v.inode(), Set.of()));
                }
                if (!seen.add(v.inode())) {
                    problems.add("listener inode " + v.inode() + " read twice");
                }
            }
            // Every intact listener line before the first intact non-LISTEN line must be read.
            List<Value> mustHave = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                if (i == lines.size() - 1 && unterminated) {
                    break;
                }
                String line = lines.get(i);
                if (!withSynRecv && c.others.contains(line)) {
                    break;
                }
                Value v = c.known.get(line);
                if (v != null && mustHave.stream().noneMatch(m -> m.inode() == v.inode())) {
                    mustHave.add(v);
                }
            }
            for (Value v : mustHave) {
                if (!read.contains(v)) {
                    problems.add("silent drop: intact listener " + v + " not read (malformed " + malformed + ")");
                }
            }
            Set<Long> readInodes = new HashSet<>();
            read.forEach(v -> readInodes.add(v.inode()));
            long lost = c.modelListeners.stream().filter(v -> !readInodes.contains(v.inode())).count();
            if (c.valid) {
                if (!read.equals(c.expected)) {
                    problems.add("a valid variant must read exactly " + c.expected + ", read " + read);
                }
                if (malformed != 0) {
                    problems.add("a valid variant counted " + malformed + " malformed lines");
                }
            } else if (lost > 0 && malformed == 0) {
                problems.add("silent drop: " + lost + " of the model's listeners lost with no line counted malformed");
            }
            // A non-empty file must start with the exact header, or say it does not.
            if (!lines.isEmpty() && !c.headers.contains(lines.getFirst()) && malformed == 0) {
                problems.add("a file without its header line counted nothing");
            }
            return problems;
        }
    }

    static List<String> checkNetstat(NetstatCase c) {
        NetstatParser.Parsed parsed = new NetstatParser().parse(c.text);
        List<String> problems = new ArrayList<>();
        NetnsCounters got = parsed.counters();
        if (got != null && !got.equals(c.expected)) {
            problems.add("silent wrong answer: read " + got + ", the model has " + c.expected
                    + (parsed.malformed() > 0 ? " (with " + parsed.malformed() + " errors)" : ""));
        }
        if (got == null && parsed.malformed() == 0) {
            problems.add("silent drop: no counters and nothing counted malformed");
        }
        if (c.valid && (got == null || parsed.malformed() != 0)) {
            problems.add("a valid variant must read " + c.expected + " with no error, read " + got + " with " + parsed.malformed());
        }
        if (parsed.malformed() > 0 && parsed.firstProblem() == null) {
            problems.add("errors counted without saying what");
        }
        return problems;
    }

    static List<String> checkCgroup(CgroupCase c) {
        Parsed parsed = parseCgroup(c.text);
        ProcessAttribution a = parsed.attribution();
        List<String> problems = new ArrayList<>();
        switch (a.kind()) {
            case POD, RUNTIME_HELPER -> {
                if (a.kind() != c.expectedKind || !Objects.equals(a.podUid(), c.expectedUid)
                        || !Objects.equals(a.containerId(), c.expectedContainer)) {
                    problems.add("silent wrong answer: " + a.kind() + " " + a.podUid() + " " + a.containerId() + ", the model has "
                            + c.expectedKind + " " + c.expectedUid + " " + c.expectedContainer);
                }
            }
            // Unrecognised is a refusal shown as such (the table and JSON say "unrecognised"), never a guess.
            case UNRECOGNISED -> {
                if (c.valid) {
                    problems.add("a valid variant was not recognised");
                }
            }
            case NOT_A_POD -> {
                if (parsed.malformed() == 0) {
                    problems.add("silent drop: a pod's process read as not a pod, nothing counted");
                }
            }
        }
        if (c.valid && parsed.malformed() != 0) {
            problems.add("a valid variant counted " + parsed.malformed() + " problems: " + parsed.firstProblem());
        }
        return problems;
    }

    record Parsed(ProcessAttribution attribution, int malformed, String firstProblem) {
    }

    /** The attributor's verdict (isolated here: the one call into its reporting API). */
    static Parsed parseCgroup(String text) {
        CgroupAttributor.Parsed p = CgroupAttributor.parse(text);
        return new Parsed(p.attribution(), p.malformed(), p.firstProblem());
    }

    /** Splits as ProcFile does: on '\n', a last line without one kept (and said to be unterminated). */
    static boolean splitLines(String text, List<String> out) {
        int pos = 0;
        while (pos < text.length()) {
            int end = text.indexOf('\n', pos);
            if (end < 0) {
                out.add(text.substring(pos));
                return true;
            }
            out.add(text.substring(pos, end));
            pos = end + 1;
        }
        return false;
    }

    // ------------------------------------------------------------------------------------------
    // The scan of a fake procfs tree
    // ------------------------------------------------------------------------------------------

    List<String> checkScan(Tree tree) throws IOException {
        List<String> problems = new ArrayList<>();
        NodeScan scan;
        try (NodeScanner scanner = TestConfig.scanner(ReaderChoice.PROCFS, tree.root, tree.cap)) {
            scan = scanner.scan();
        }
        ScanErrors errors = scan.errors();
        for (Tree.Proc p : tree.procs) {
            NetnsScan ns = scan.namespaces().stream().filter(n -> n.pids().contains(p.pid)).findFirst().orElse(null);
            boolean victim = p == tree.victim;
            if (!victim) {
                problems.addAll(untouched(p, ns, errors));
                continue;
            }
            String file = tree.victimFile.toString();
            boolean named = namesFile(errors, file);
            if (ns == null) {
                if (!named) {
                    problems.add("silent drop: the namespace of pid " + p.pid + " is gone and no error names " + file + "; errors: "
                            + describe(errors));
                }
                continue;
            }
            // Listeners: each read one of the model's (or a valid mutation's), exactly.
            Map<Long, Set<Value>> allowed = new HashMap<>();
            List<Value> all = new ArrayList<>(p.tcp.modelListeners);
            all.addAll(p.tcp6.modelListeners);
            all.forEach(v -> allowed.computeIfAbsent(v.inode(), k -> new HashSet<>()).add(v));
            if (tree.victimCase != null) {
                tree.victimCase.known.values().forEach(v -> allowed.computeIfAbsent(v.inode(), k -> new HashSet<>()).add(v));
            }
            Set<Long> read = new HashSet<>();
            for (ListenerFinding f : ns.listeners()) {
                Value v = new Value(f.endpoint(), f.inode(), depthOf(f));
                if (!allowed.getOrDefault(v.inode(), Set.of()).contains(v)) {
                    problems.add("silent wrong answer: pid " + p.pid + " read " + v);
                }
                if (!read.add(v.inode())) {
                    problems.add("pid " + p.pid + " listener " + v.inode() + " twice");
                }
            }
            // Nothing lost from a file that was not mutated; from the mutated one only with an error naming it.
            TcpModel mutated = tree.victimFileName.equals("tcp") ? p.tcp : tree.victimFileName.equals("tcp6") ? p.tcp6 : null;
            for (Value v : all) {
                if (read.contains(v.inode())) {
                    continue;
                }
                boolean ofMutated = mutated != null && mutated.modelListeners.contains(v);
                if (!ofMutated) {
                    problems.add("pid " + p.pid + " lost " + v + " of a file that was not mutated; errors: " + describe(errors));
                } else if (tree.victimValid ? tree.victimExpected.stream().anyMatch(e -> e.inode() == v.inode()) : !named) {
                    problems.add("silent drop: pid " + p.pid + " lost " + v + " and no error names " + file + "; errors: " + describe(errors));
                }
            }
            // Counters: the model's, or unknown with an error naming netstat.
            NetnsCounters counters = tree.victimCounters != null ? tree.victimCounters : p.netstat.expected;
            if (ns.counters() != null && !ns.counters().equals(counters)) {
                problems.add("silent wrong answer: pid " + p.pid + " counters " + ns.counters() + " vs " + counters);
            }
            if (ns.counters() == null && !(tree.victimFileName.equals("netstat") && named)) {
                problems.add("silent drop: pid " + p.pid + " counters unknown and no error names its netstat; errors: " + describe(errors));
            }
            // Attribution: the pod, or unrecognised, or something else with an error naming the cgroup file.
            NetnsAttribution a = ns.attribution();
            String uid = tree.victimFileName.equals("cgroup") && tree.victimUid != null ? tree.victimUid : p.cgroup.expectedUid;
            boolean podOk = a.kind() == NetnsAttribution.Kind.POD && uid.equals(a.podUid());
            if (a.kind() == NetnsAttribution.Kind.POD && !podOk) {
                problems.add("silent wrong answer: pid " + p.pid + " attributed to " + a.podUid());
            }
            if (!podOk && a.kind() != NetnsAttribution.Kind.UNRECOGNISED && !(tree.victimFileName.equals("cgroup") && named)) {
                problems.add("silent drop: pid " + p.pid + " attribution " + a.kind() + " and no error names its cgroup; errors: "
                        + describe(errors));
            }
            if (tree.victimValid && (errors.total() != 0)) {
                problems.add("a valid variant gave errors: " + describe(errors));
            }
        }
        return problems;
    }

    private static List<String> untouched(Tree.Proc p, NetnsScan ns, ScanErrors errors) {
        List<String> problems = new ArrayList<>();
        if (ns == null) {
            problems.add("pid " + p.pid + " (not mutated) has no namespace; errors: " + describe(errors));
            return problems;
        }
        List<Value> expected = new ArrayList<>(p.tcp.modelListeners);
        expected.addAll(p.tcp6.modelListeners);
        List<Value> got = ns.listeners().stream().map(f -> new Value(f.endpoint(), f.inode(), depthOf(f))).toList();
        if (!new HashSet<>(got).equals(new HashSet<>(expected)) || got.size() != expected.size()) {
            problems.add("pid " + p.pid + " (not mutated) read " + got + ", the model has " + expected);
        }
        if (!Objects.equals(ns.counters(), p.netstat.expected)) {
            problems.add("pid " + p.pid + " (not mutated) counters " + ns.counters() + " vs " + p.netstat.expected);
        }
        if (ns.attribution().kind() != NetnsAttribution.Kind.POD || !p.cgroup.expectedUid.equals(ns.attribution().podUid())) {
            problems.add("pid " + p.pid + " (not mutated) attribution " + ns.attribution().kind() + " " + ns.attribution().podUid());
        }
        for (ScanErrors.Detail d : errors.details()) {
            if (d.file() != null && d.file().startsWith(p.dir.toString() + "/")) {
                problems.add("an error names a file of pid " + p.pid + " (not mutated): " + d);
            }
        }
        return problems;
    }

    /** Whether one of the scan's errors names the file (isolated here: the one call into the error details). */
    static boolean namesFile(ScanErrors errors, String file) {
        return errors.details().stream().anyMatch(d -> file.equals(d.file()));
    }

    static long depthOf(ListenerFinding f) {
        return f.depth();
    }

    static String describe(ScanErrors errors) {
        return errors.counts() + " " + errors.details();
    }

    /** A fake procfs root: a few processes, each its own namespace, one of them with one file mutated. */
    static final class Tree {
        final Path root;
        final List<Proc> procs = new ArrayList<>();
        long cap = 1 << 20;
        Proc victim;
        Path victimFile;
        String victimFileName;
        String victimMutation;
        TcpCase victimCase;
        boolean victimValid;
        Set<Value> victimExpected = Set.of();
        String victimUid;
        NetnsCounters victimCounters;

        Tree(Path root) {
            this.root = root;
        }

        final class Proc {
            final int pid;
            final Path dir;
            TcpModel tcp;
            TcpModel tcp6;
            NetstatModel netstat;
            CgroupModel cgroup;

            Proc(int pid) {
                this.pid = pid;
                this.dir = root.resolve(Integer.toString(pid));
            }
        }

        static Tree random(Random r, Path root) throws IOException {
            Tree t = new Tree(root);
            int n = 2 + r.nextInt(3);
            Set<Long> inodes = new HashSet<>();
            for (int i = 0; i < n; i++) {
                Proc p = t.new Proc(100 + 7 * i);
                p.tcp = TcpModel.random(r, Family.IPv4, inodes);
                p.tcp6 = TcpModel.random(r, Family.IPv6, inodes);
                p.netstat = NetstatModel.random(r);
                p.cgroup = CgroupModel.random(r);
                Path net = Files.createDirectories(p.dir.resolve("net"));
                write(net.resolve("tcp"), p.tcp.text());
                write(net.resolve("tcp6"), p.tcp6.text());
                write(net.resolve("netstat"), p.netstat.text);
                write(p.dir.resolve("cgroup"), p.cgroup.text);
                t.procs.add(p);
            }
            return t;
        }

        /** Mutates one file of one process; says what it did. */
        String mutate(Random r) throws IOException {
            victim = procs.get(r.nextInt(procs.size()));
            victimFileName = List.of("tcp", "tcp6", "netstat", "cgroup").get(r.nextInt(4));
            victimFile = victimFileName.equals("cgroup") ? victim.dir.resolve("cgroup") : victim.dir.resolve("net").resolve(victimFileName);
            int kind = r.nextInt(20);
            String what;
            if (kind < 11) {
                what = "content: " + mutateContent(r);
            } else {
                Files.delete(victimFile);
                what = switch (kind) {
                    case 11, 12 -> {
                        mkfifo(victimFile);
                        yield "a FIFO";
                    }
                    case 13, 14 -> {
                        Files.createSymbolicLink(victimFile, Path.of("/dev/zero"));
                        yield "a symbolic link to /dev/zero";
                    }
                    case 15 -> {
                        Path other = victimFile.resolveSibling(victimFileName + ".loop");
                        Files.createSymbolicLink(victimFile, other);
                        Files.createSymbolicLink(other, victimFile);
                        yield "a symbolic link loop";
                    }
                    case 16 -> {
                        Files.createDirectories(victimFile);
                        yield "a directory";
                    }
                    case 17 -> {
                        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                            s.bind(UnixDomainSocketAddress.of(victimFile));
                        }
                        yield "a socket";
                    }
                    case 18 -> {
                        // Past the cap: the model's text, then more than the cap of one endless line.
                        cap = 64 * 1024;
                        write(victimFile, originalText() + "x".repeat((int) cap + 1000));
                        yield "larger than the cap";
                    }
                    default -> {
                        // Missing: tcp6 missing is a kernel without IPv6 (a fact, no error); the others are errors.
                        if (victimFileName.equals("tcp6")) {
                            victimValid = true;
                            victimExpected = Set.copyOf(victim.tcp.modelListeners);
                        }
                        yield "missing";
                    }
                };
            }
            victimMutation = what;
            return victimFileName + ": " + what + " of pid " + victim.pid;
        }

        private String originalText() {
            return switch (victimFileName) {
                case "tcp" -> victim.tcp.text();
                case "tcp6" -> victim.tcp6.text();
                case "netstat" -> victim.netstat.text;
                default -> victim.cgroup.text;
            };
        }

        private String mutateContent(Random r) throws IOException {
            switch (victimFileName) {
                case "tcp", "tcp6" -> {
                    TcpModel m = victimFileName.equals("tcp") ? victim.tcp : victim.tcp6;
                    TcpCase c = TcpMutator.mutate(r, m);
                    victimCase = c;
                    victimValid = c.valid;
                    victimExpected = Set.copyOf(c.expected);
                    if (c.valid) {
                        // The other table's listeners are expected too.
                        Set<Value> all = new HashSet<>(c.expected);
                        all.addAll((victimFileName.equals("tcp") ? victim.tcp6 : victim.tcp).modelListeners);
                        victimExpected = all;
                    }
                    write(victimFile, c.text);
                    return c.mutation;
                }
                case "netstat" -> {
                    NetstatCase c = NetstatMutator.mutate(r, victim.netstat);
                    victimValid = c.valid;
                    victimCounters = c.expected();
                    write(victimFile, c.text);
                    return c.mutation;
                }
                default -> {
                    CgroupCase c = CgroupMutator.mutate(r, victim.cgroup);
                    victimValid = c.valid;
                    victimUid = c.expectedUid;
                    write(victimFile, c.text);
                    return c.mutation;
                }
            }
        }

        String describe() {
            return root + " (" + procs.size() + " processes; " + victimFileName + " of pid " + victim.pid + ": " + victimMutation + ")";
        }

        private static void write(Path file, String text) throws IOException {
            Files.write(file, text.getBytes(StandardCharsets.ISO_8859_1));
        }

        private static void mkfifo(Path path) throws IOException {
            try {
                Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
                if (p.waitFor() != 0) {
                    throw new IOException("mkfifo " + path + " failed");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Models and how the kernel prints them
    // ------------------------------------------------------------------------------------------

    static final String HEADER_V4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
    static final String HEADER_V6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue "
            + "tr tm->when retrnsmt   uid  timeout inode";

    /** One tcp or tcp6 file: its lines, the listeners they hold, and the other lines. */
    static final class TcpModel {
        final Family family;
        final List<String> lines = new ArrayList<>();
        final List<Value> modelListeners = new ArrayList<>();
        /** Listener lines (exact text) and what each says. */
        final Map<String, Value> listenerLines = new LinkedHashMap<>();
        /** Every other socket line (exact text). */
        final Set<String> otherLines = new HashSet<>();
        /** Index in lines of the first line that is not a listener (lines.size() when none). */
        int firstOther;

        TcpModel(Family family) {
            this.family = family;
        }

        String header() {
            return family == Family.IPv4 ? pad(HEADER_V4) : HEADER_V6;
        }

        String text() {
            StringBuilder sb = new StringBuilder();
            lines.forEach(l -> sb.append(l).append('\n'));
            return sb.toString();
        }

        static TcpModel random(Random r, Family family) {
            return random(r, family, new HashSet<>());
        }

        static TcpModel random(Random r, Family family, Set<Long> inodes) {
            TcpModel m = new TcpModel(family);
            m.lines.add(m.header());
            int listeners = r.nextInt(7);
            Set<Integer> ports = new HashSet<>();
            List<byte[]> listenAddrs = new ArrayList<>();
            List<Integer> listenPorts = new ArrayList<>();
            int sl = 0;
            for (int i = 0; i < listeners; i++) {
                byte[] addr = address(r, family);
                int port;
                do {
                    port = 1 + r.nextInt(65535);
                } while (!ports.add(port));
                long depth = depth(r);
                long inode;
                do {
                    inode = 1 + (r.nextLong() >>> 24);
                } while (!inodes.add(inode));
                String line = fullLine(r, family, sl++, addr, port, new byte[addr.length], 0, 0x0A, depth, inode);
                Value v = new Value(new Endpoint(family, Addresses.format(addr), port), inode, depth);
                m.lines.add(line);
                m.modelListeners.add(v);
                m.listenerLines.put(line, v);
                listenAddrs.add(addr);
                listenPorts.add(port);
            }
            m.firstOther = m.lines.size();
            int others = r.nextInt(5);
            for (int i = 0; i < others; i++) {
                int kind = r.nextInt(4);
                byte[] local = listenAddrs.isEmpty() || r.nextBoolean() ? address(r, family) : listenAddrs.get(r.nextInt(listenAddrs.size()));
                int lport = listenPorts.isEmpty() ? 1 + r.nextInt(65535) : listenPorts.get(r.nextInt(listenPorts.size()));
                byte[] remote = address(r, family);
                int rport = 1 + r.nextInt(65535);
                String line = switch (kind) {
                    case 0 -> requestLine(r, family, sl++, local, lport, remote, rport);
                    case 1 -> timeWaitLine(r, family, sl++, local, lport, remote, rport);
                    default -> fullLine(r, family, sl++, local, lport, remote, rport, pickState(r), r.nextInt(1 << 16),
                            1 + (r.nextLong() >>> 24));
                };
                m.lines.add(line);
                m.otherLines.add(line);
            }
            return m;
        }

        private static int pickState(Random r) {
            int[] states = {0x01, 0x01, 0x01, 0x02, 0x04, 0x05, 0x07, 0x08, 0x09, 0x0B, 0x03};
            return states[r.nextInt(states.length)];
        }

        String pad(String line) {
            return family == Family.IPv4 ? padV4(line) : line;
        }
    }

    static String padV4(String line) {
        return line.length() >= 149 ? line : line + " ".repeat(149 - line.length());
    }

    static long depth(Random r) {
        return switch (r.nextInt(10)) {
            case 0 -> 0;
            case 1 -> 17;
            case 2 -> 0xFFFFFFFFL;
            case 3 -> 0x7FFFFFFFL;
            case 4 -> 0x80000000L;
            case 5 -> r.nextLong() & 0xFFFFFFFFL;
            default -> r.nextInt(300);
        };
    }

    static byte[] address(Random r, Family family) {
        if (family == Family.IPv4) {
            return switch (r.nextInt(4)) {
                case 0 -> new byte[4];
                case 1 -> new byte[] {127, 0, 0, 1};
                default -> {
                    byte[] a = new byte[4];
                    r.nextBytes(a);
                    yield a;
                }
            };
        }
        byte[] a = new byte[16];
        switch (r.nextInt(5)) {
            case 0 -> {
            }
            case 1 -> a[15] = 1;
            case 2 -> {
                a[10] = (byte) 0xff;
                a[11] = (byte) 0xff;
                a[12] = 10;
                a[15] = (byte) r.nextInt(256);
            }
            default -> r.nextBytes(a);
        }
        return a;
    }

    /** An address as the kernel prints it: each 32-bit word in host (little-endian) order, %08X. */
    static String hexAddress(byte[] a) {
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < a.length / 4; w++) {
            long v = 0;
            for (int b = 3; b >= 0; b--) {
                v = (v << 8) | (a[w * 4 + b] & 0xff);
            }
            sb.append(String.format(Locale.ROOT, "%08X", v));
        }
        return sb.toString();
    }

    static String pointer(Random r) {
        return r.nextInt(3) == 0 ? "0000000000000000" : String.format(Locale.ROOT, "%016x", r.nextLong());
    }

    /** get_tcp4_sock / get_tcp6_sock: 17 columns. */
    static String fullLine(Random r, Family family, int sl, byte[] local, int lport, byte[] remote, int rport, int state, long rx,
            long inode) {
        long tx = state == 0x0A ? 0 : r.nextLong() & 0xFFFFFFFFL;
        int tr = r.nextInt(5);
        long when = r.nextInt(4) == 0 ? (r.nextLong() >>> 20) : r.nextInt(100_000);
        long uid = r.nextInt(4) == 0 ? 4294967294L : r.nextInt(70000);
        int timeout = r.nextInt(8);
        int refcnt = 1 + r.nextInt(3);
        long rto = 200 + r.nextInt(120_000);
        long ato = r.nextInt(50);
        int quick = r.nextInt(32);
        int cwnd = 1 + r.nextInt(1000);
        int ssthresh = state == 0x0A ? r.nextInt(2) * 4096 : r.nextInt(3) == 0 ? -1 : r.nextInt(Integer.MAX_VALUE);
        String line = String.format(Locale.ROOT, "%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08X %08X %5d %8d %d %d %s %d %d %d %d %d",
                sl, hexAddress(local), lport, hexAddress(remote), rport, state, tx, rx, tr, when, r.nextInt(16), uid, timeout, inode,
                refcnt, pointer(r), rto, ato, quick, cwnd, ssthresh);
        return family == Family.IPv4 ? padV4(line) : line;
    }

    /** get_openreq4 / get_openreq6: a SYN_RECV request socket, 12 columns. */
    static String requestLine(Random r, Family family, int sl, byte[] local, int lport, byte[] remote, int rport) {
        String line = String.format(Locale.ROOT, "%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08X %08X %5d %8d %d %d %s",
                sl, hexAddress(local), lport, hexAddress(remote), rport, 0x03, 0, 0, 1, r.nextInt(3000), r.nextInt(6),
                r.nextInt(70000), 0, 0, 0, pointer(r));
        return family == Family.IPv4 ? padV4(line) : line;
    }

    /** get_timewait4_sock / get_timewait6_sock: 12 columns. */
    static String timeWaitLine(Random r, Family family, int sl, byte[] local, int lport, byte[] remote, int rport) {
        String line = String.format(Locale.ROOT, "%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08X %08X %5d %8d %d %d %s",
                sl, hexAddress(local), lport, hexAddress(remote), rport, r.nextBoolean() ? 0x06 : 0x05, 0, 0, 3, r.nextInt(6000), 0, 0,
                0, 0, 1 + r.nextInt(3), pointer(r));
        return family == Family.IPv4 ? padV4(line) : line;
    }

    /** One mutated tcp text and what a reader must make of it. */
    static final class TcpCase {
        Family family;
        String text;
        String mutation;
        /** Lines (exact text) a reader may believe, and what each says. */
        final Map<String, Value> known = new HashMap<>();
        /** Intact non-LISTEN lines: a LISTEN-only read may stop at the first. */
        final Set<String> others = new HashSet<>();
        /** The model's listeners. */
        List<Value> modelListeners;
        /** The valid first lines of the file (the header, with or without tcp's padding). */
        Set<String> headers;
        /** The text is still one the kernel could print: exactly {@link #expected}, no error. */
        boolean valid;
        List<Value> expected = List.of();
    }

    /** The mutations of a tcp or tcp6 file. */
    static final class TcpMutator {

        static TcpCase mutate(Random r, TcpModel m) {
            TcpCase c = new TcpCase();
            c.family = m.family;
            c.modelListeners = m.modelListeners;
            c.known.putAll(m.listenerLines);
            c.others.addAll(m.otherLines);
            c.headers = new HashSet<>(List.of(m.header(), m.family == Family.IPv4 ? HEADER_V4 : HEADER_V6));
            List<String> lines = new ArrayList<>(m.lines);
            Mutation mutation = oneOf(Mutation.values(), r);
            int target = pickLine(r, m);
            c.mutation = mutation.applyTo(new Edit(r, m, c, lines, target));
            if (c.text == null) {
                c.text = String.join("\n", lines) + "\n";
            }
            return c;
        }

        /**
         * One case in the making: the model, its lines as mutated so far, the line aimed at, and the
         * case (whose text, when a mutation sets it, is used instead of the lines).
         */
        record Edit(Random r, TcpModel m, TcpCase c, List<String> lines, int target) {

            String line() {
                return lines.get(target);
            }

            void setLine(String line) {
                lines.set(target, line);
            }

            /** The text is still one the kernel could print: exactly these listeners, no error. */
            void valid(List<Value> expected) {
                c.valid = true;
                c.expected = expected;
            }
        }

        /** Each mutation, which says what it did. {@link #pick} goes by their order: a change of it changes the case of every seed. */
        enum Mutation {
            NONE(e -> {
                e.valid(e.m().modelListeners);
                return "none";
            }),
            RX_QUEUE_FFFFFFFF(TcpMutator::largeRxQueue),
            SIGN(e -> "sign in " + mutateToken(e.r(), e.lines(), e.target(), (t, rr) -> insertAt(t, rr, "-"))),
            HEX_WIDER(e -> "hex one digit wider in " + mutateHex(e.r(), e.lines(), e.target(), true)),
            HEX_NARROWER(e -> "hex one digit narrower in " + mutateHex(e.r(), e.lines(), e.target(), false)),
            LEADING_ZERO(e -> "leading zero in " + mutateToken(e.r(), e.lines(), e.target(), (t, rr) -> "0" + t)),
            COLUMN_REMOVED(e -> {
                e.setLine(removeColumn(e.r(), e.line()));
                return "column removed from line " + e.target();
            }),
            COLUMN_ADDED(e -> {
                e.setLine(addColumn(e.r(), e.line()));
                return "column added to line " + e.target();
            }),
            CARRIAGE_RETURN(e -> {
                String l = e.line();
                int at = e.r().nextBoolean() ? l.length() : e.r().nextInt(l.length() + 1);
                e.setLine(l.substring(0, at) + "\r" + l.substring(at));
                return "carriage return in line " + e.target();
            }),
            CRLF_LINE_ENDS(e -> {
                e.lines().replaceAll(l -> l + "\r");
                return "CRLF line ends";
            }),
            CR_ONLY_LINE_ENDS(e -> {
                e.c().text = String.join("\r", e.lines()) + "\r";
                return "CR-only line ends";
            }),
            CUT_AT_A_BYTE(TcpMutator::cutAtAByte),
            LINE_TWICE(e -> {
                e.lines().add(e.target(), e.line());
                return "line " + e.target() + " twice";
            }),
            HEADER_TWICE(e -> {
                e.lines().add(1 + e.r().nextInt(e.lines().size()), e.lines().getFirst());
                return "header twice";
            }),
            GARBAGE_LINE(e -> {
                e.lines().add(1 + e.r().nextInt(e.lines().size()), garbage(e.r(), 1 + e.r().nextInt(200), false));
                return "a line of binary garbage";
            }),
            GARBAGE_FILE(e -> {
                e.c().text = garbage(e.r(), 1 + e.r().nextInt(600), true);
                return "binary garbage for a file";
            }),
            EMPTY(e -> {
                e.c().text = "";
                e.c().valid = true;
                return "empty";
            }),
            HEADER_ONLY(e -> {
                e.c().text = e.lines().getFirst() + "\n";
                e.c().valid = true;
                return "header only";
            }),
            LOWER_CASE_HEX(e -> "lower-case hex in " + mutateHexCase(e.r(), e.lines(), e.target())),
            NO_SUCH_STATE(e -> {
                String[] states = {"0a", "0C", "00", "FF", "A", "0AA", "0D", "1A"};
                String s = states[e.r().nextInt(states.length)];
                e.setLine(replaceField(e.line(), 3, t -> s));
                return "state " + s + " in line " + e.target();
            }),
            NO_HEADER(e -> {
                e.lines().removeFirst();
                return "no header";
            }),
            OTHER_FAMILY_HEADER(e -> {
                e.lines().set(0, e.m().family == Family.IPv4 ? HEADER_V6 : padV4(HEADER_V4));
                return "the other family's header";
            }),
            TAB_FOR_A_SPACE(e -> {
                e.setLine(replaceSeparator(e.r(), e.line(), "\t"));
                return "tab for a space in line " + e.target();
            }),
            TWO_SPACES_FOR_ONE(e -> {
                e.setLine(replaceSeparator(e.r(), e.line(), "  "));
                return "two spaces for one in line " + e.target();
            }),
            JUNK_AFTER_THE_LINE(e -> {
                String l = e.line().stripTrailing();
                String junk = List.of("x", " 0", " -", "0", " 00000000").get(e.r().nextInt(5));
                e.setLine(l + junk);
                return "junk after line " + e.target();
            }),
            PADDING(TcpMutator::padding),
            LINE_CUT_SHORT(e -> {
                String l = e.line();
                e.setLine(l.substring(0, e.r().nextInt(Math.max(1, l.stripTrailing().length()))));
                return "line " + e.target() + " cut short";
            });

            private final Function<Edit, String> edit;

            Mutation(Function<Edit, String> edit) {
                this.edit = edit;
            }


            String applyTo(Edit e) {
                return edit.apply(e);
            }
        }

        /** rx_queue FFFFFFFF (or 80000000) of a listener: a valid u32, read whole. */
        private static String largeRxQueue(Edit e) {
            List<Value> listeners = e.m().modelListeners;
            if (listeners.isEmpty()) {
                e.valid(listeners);
                return "none (no listener for FFFFFFFF)";
            }
            int i = e.r().nextInt(listeners.size());
            long depth = e.r().nextBoolean() ? 0xFFFFFFFFL : 0x80000000L;
            String old = e.lines().get(1 + i);
            String line = replaceField(old, 4, t -> t.substring(0, 9) + String.format(Locale.ROOT, "%08X", depth));
            e.lines().set(1 + i, line);
            Value v = listeners.get(i);
            Value nv = new Value(v.endpoint(), v.inode(), depth);
            e.c().known.remove(old);
            e.c().known.put(line, nv);
            List<Value> expected = new ArrayList<>(listeners);
            expected.set(i, nv);
            e.valid(expected);
            return String.format(Locale.ROOT, "rx_queue %08X", depth);
        }

        /** The file cut at any byte. */
        private static String cutAtAByte(Edit e) {
            String full = String.join("\n", e.lines()) + "\n";
            int cut = e.r().nextInt(full.length() + 1);
            e.c().text = full.substring(0, cut);
            boolean atLineEnd = cut == 0 || full.charAt(cut - 1) == '\n';
            if (atLineEnd) {
                // What remains is a file the kernel could print: its listeners, no error.
                List<String> kept = new ArrayList<>();
                splitLines(e.c().text, kept);
                e.valid(kept.stream().map(e.m().listenerLines::get).filter(Objects::nonNull).toList());
            }
            return "cut at byte " + cut + (atLineEnd ? " (a line end)" : "");
        }

        /** tcp without its padding (read the same, no error), or tcp6 padded as tcp (which it never is). */
        private static String padding(Edit e) {
            TcpModel m = e.m();
            List<String> lines = e.lines();
            String mutation;
            if (m.family == Family.IPv4) {
                mutation = "tcp padding removed";
                lines.replaceAll(String::stripTrailing);
                for (int i = 0; i < m.lines.size(); i++) {
                    Value v = m.listenerLines.get(m.lines.get(i));
                    if (v != null) {
                        e.c().known.put(lines.get(i), v);
                    }
                    if (m.otherLines.contains(m.lines.get(i))) {
                        e.c().others.add(lines.get(i));
                    }
                }
            } else {
                mutation = "tcp6 padded as tcp";
                lines.replaceAll(TcpMutator::padOrSame);
            }
            e.c().valid = m.family == Family.IPv4;
            e.c().expected = m.modelListeners;
            return mutation;
        }

        private static String padOrSame(String line) {
            return padV4(line);
        }

        /** A listener line mostly, sometimes another line. */
        static int pickLine(Random r, TcpModel m) {
            if (m.lines.size() == 1) {
                return 0;
            }
            if (!m.modelListeners.isEmpty() && r.nextInt(4) != 0) {
                return 1 + r.nextInt(m.modelListeners.size());
            }
            return 1 + r.nextInt(m.lines.size() - 1);
        }

        interface TokenEdit {
            String apply(String token, Random r);
        }

        /** Tokens of a line: maximal runs of non-spaces, as [start, end). */
        static List<int[]> tokens(String line) {
            List<int[]> out = new ArrayList<>();
            int i = 0;
            while (i < line.length()) {
                while (i < line.length() && line.charAt(i) == ' ') {
                    i++;
                }
                int s = i;
                while (i < line.length() && line.charAt(i) != ' ') {
                    i++;
                }
                if (i > s) {
                    out.add(new int[] {s, i});
                }
            }
            return out;
        }

        static String mutateToken(Random r, List<String> lines, int target, TokenEdit edit) {
            String line = lines.get(target);
            List<int[]> toks = tokens(line);
            if (toks.isEmpty()) {
                lines.set(target, edit.apply("", r));
                return "line " + target;
            }
            int k = r.nextInt(toks.size());
            int[] t = toks.get(k);
            lines.set(target, line.substring(0, t[0]) + edit.apply(line.substring(t[0], t[1]), r) + line.substring(t[1]));
            return "column " + k + " of line " + target;
        }

        static String insertAt(String token, Random r, String what) {
            // At the start of the token, or after one of its ':'.
            List<Integer> at = new ArrayList<>();
            at.add(0);
            for (int i = 0; i < token.length(); i++) {
                if (token.charAt(i) == ':' && i + 1 < token.length()) {
                    at.add(i + 1);
                }
            }
            int p = at.get(r.nextInt(at.size()));
            return token.substring(0, p) + what + token.substring(p);
        }

        /** The fixed-width hex fields of a socket line: addresses, ports, state, queues, timer, retransmits. */
        static String mutateHex(Random r, List<String> lines, int target, boolean wider) {
            String line = lines.get(target);
            List<int[]> toks = tokens(line);
            if (toks.size() < 7 || target == 0) {
                lines.set(target, wider ? line + "0" : line.substring(0, line.length() / 2));
                return "line " + target + " (not a socket line)";
            }
            // Sub-fields: 1 local addr, 1 local port, 2 remote addr/port, 3 state, 4 tx/rx, 5 tr/when, 6 retrnsmt.
            int k = 1 + r.nextInt(6);
            int[] t = toks.get(k);
            String tok = line.substring(t[0], t[1]);
            String[] parts = tok.split(":", -1);
            int part = r.nextInt(parts.length);
            String p = parts[part];
            String np;
            if (wider) {
                int at = r.nextInt(p.length() + 1);
                np = p.substring(0, at) + "ABCDEF0123456789".charAt(r.nextInt(16)) + p.substring(at);
            } else {
                int at = r.nextInt(p.length());
                np = p.substring(0, at) + p.substring(at + 1);
            }
            parts[part] = np;
            lines.set(target, line.substring(0, t[0]) + String.join(":", parts) + line.substring(t[1]));
            return "column " + k + " part " + part + " of line " + target;
        }

        static String mutateHexCase(Random r, List<String> lines, int target) {
            String line = lines.get(target);
            List<int[]> toks = tokens(line);
            if (toks.size() < 7) {
                lines.set(target, line.toLowerCase(Locale.ROOT) + "g");
                return "line " + target + " (not a socket line)";
            }
            // A hex field with a letter in it, lower-cased; else a letter added in lower case.
            for (int k = 1; k <= 6; k++) {
                int[] t = toks.get(k);
                String tok = line.substring(t[0], t[1]);
                if (tok.chars().anyMatch(ch -> ch >= 'A' && ch <= 'F')) {
                    lines.set(target, line.substring(0, t[0]) + tok.toLowerCase(Locale.ROOT) + line.substring(t[1]));
                    return "column " + k + " of line " + target;
                }
            }
            int[] t = toks.get(1);
            String tok = line.substring(t[0], t[1]);
            lines.set(target, line.substring(0, t[0]) + "a" + tok.substring(1) + line.substring(t[1]));
            return "column 1 of line " + target + " (a letter put in)";
        }

        static String replaceField(String line, int k, java.util.function.UnaryOperator<String> edit) {
            List<int[]> toks = tokens(line);
            if (k >= toks.size()) {
                return line + " " + edit.apply("");
            }
            int[] t = toks.get(k);
            return line.substring(0, t[0]) + edit.apply(line.substring(t[0], t[1])) + line.substring(t[1]);
        }

        static String removeColumn(Random r, String line) {
            List<int[]> toks = tokens(line);
            if (toks.isEmpty()) {
                return line + " x";
            }
            int k = r.nextInt(toks.size());
            int[] t = toks.get(k);
            int start = t[0];
            while (start > 0 && line.charAt(start - 1) == ' ' && k > 0) {
                start--;
            }
            return line.substring(0, start) + line.substring(t[1]);
        }

        static String addColumn(Random r, String line) {
            List<int[]> toks = tokens(line);
            String[] extra = {"0", "00000000", "1", "-1", "0A", "00000000:00000000", "0000000000000000"};
            String x = extra[r.nextInt(extra.length)];
            if (toks.isEmpty()) {
                return x;
            }
            int k = r.nextInt(toks.size());
            int[] t = toks.get(k);
            return line.substring(0, t[1]) + " " + x + line.substring(t[1]);
        }

        static String replaceSeparator(Random r, String line, String with) {
            List<Integer> spaces = new ArrayList<>();
            String content = line.stripTrailing();
            for (int i = 1; i < content.length(); i++) {
                if (content.charAt(i) == ' ' && content.charAt(i - 1) != ' ') {
                    spaces.add(i);
                }
            }
            if (spaces.isEmpty()) {
                return line + with;
            }
            int at = spaces.get(r.nextInt(spaces.size()));
            return line.substring(0, at) + with + line.substring(at + 1);
        }
    }

    static String garbage(Random r, int n, boolean newlines) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            char ch = (char) r.nextInt(256);
            if (ch == '\n' && !newlines) {
                ch = 0;
            }
            sb.append(ch);
        }
        return sb.toString();
    }

    /** A netstat file: TcpExt and other sections as the kernel prints them, and the counters it holds. */
    static final class NetstatModel {
        static final List<String> TCP_EXT_OTHERS = List.of("SyncookiesRecv", "SyncookiesFailed", "EmbryonicRsts", "PruneCalled", "RcvPruned",
                "OfoPruned", "OutOfWindowIcmps", "LockDroppedIcmps", "ArpFilter", "TW", "TWRecycled", "TWKilled", "PAWSActive", "PAWSEstab",
                "DelayedACKs", "DelayedACKLocked", "DelayedACKLost", "TCPHPHits", "TCPPureAcks", "TCPHPAcks", "TCPRenoRecovery",
                "TCPSackRecovery", "TCPTimeouts", "TCPBacklogCoalesce", "TCPOrigDataSent", "TCPDelivered", "TCPAckCompressed",
                "TCPMigrateReqSuccess", "TCPWqueueTooBig");
        static final List<String> WANTED = List.of("ListenOverflows", "ListenDrops", "TCPReqQFullDrop", "TCPReqQFullDoCookies", "SyncookiesSent");

        List<List<String>> sections = new ArrayList<>();
        String text;
        NetnsCounters expected;
        boolean withDoCookies;

        static NetstatModel random(Random r) {
            NetstatModel m = new NetstatModel();
            List<String> names = new ArrayList<>();
            for (String n : TCP_EXT_OTHERS) {
                if (r.nextInt(3) != 0) {
                    names.add(n);
                }
            }
            List<String> wanted = new ArrayList<>(WANTED);
            if (r.nextInt(5) == 0) {
                // A kernel that does not print it: read as 0.
                wanted.remove("TCPReqQFullDoCookies");
            }
            m.withDoCookies = wanted.contains("TCPReqQFullDoCookies");
            names.addAll(wanted);
            Collections.shuffle(names, r);
            long[] values = new long[names.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = counter(r);
            }
            long[] w = new long[5];
            for (int k = 0; k < 5; k++) {
                int at = names.indexOf(WANTED.get(k));
                w[k] = at < 0 ? 0 : values[at];
            }
            m.expected = new NetnsCounters(w[0], w[1], w[2], w[3], w[4]);
            List<String> tcpExt = new ArrayList<>();
            tcpExt.add("TcpExt:" + join(names));
            StringBuilder v = new StringBuilder("TcpExt:");
            for (long x : values) {
                v.append(' ').append(Long.toUnsignedString(x));
            }
            tcpExt.add(v.toString());
            List<String> ipExt = List.of("IpExt: InNoRoutes InTruncatedPkts InMcastPkts OutMcastPkts InOctets OutOctets",
                    "IpExt: " + r.nextInt(9) + " 0 " + r.nextInt(99) + " 0 " + Long.toUnsignedString(counter(r)) + " " + r.nextInt(1 << 30));
            List<String> mptcp = List.of("MPTcpExt: MPCapableSYNRX MPCapableSYNTX", "MPTcpExt: 0 " + r.nextInt(5));
            m.sections.add(tcpExt);
            m.sections.add(ipExt);
            if (r.nextBoolean()) {
                m.sections.add(mptcp);
            }
            Collections.shuffle(m.sections, r);
            m.text = render(m.sections);
            return m;
        }

        static String render(List<List<String>> sections) {
            StringBuilder sb = new StringBuilder();
            sections.forEach(s -> s.forEach(l -> sb.append(l).append('\n')));
            return sb.toString();
        }

        static long counter(Random r) {
            return switch (r.nextInt(8)) {
                case 0 -> 0;
                case 1 -> -1L;
                case 2 -> Long.MIN_VALUE;
                case 3 -> r.nextLong();
                default -> r.nextInt(100_000);
            };
        }

        static String join(List<String> names) {
            StringBuilder sb = new StringBuilder();
            names.forEach(n -> sb.append(' ').append(n));
            return sb.toString();
        }
    }

    record NetstatCase(String text, String mutation, boolean valid, NetnsCounters expected) {
    }

    static final class NetstatMutator {
        static NetstatCase mutate(Random r, NetstatModel m) {
            // The line aimed at is drawn before the mutation, an order every seed's case depends on.
            Edit e = new Edit(r, m);
            String mutation = oneOf(Mutation.values(), r).applyTo(e);
            String text = e.text != null ? e.text : String.join("\n", e.lines) + "\n";
            return new NetstatCase(text, mutation, e.valid, e.expected);
        }

        /**
         * One case in the making: the model's lines as mutated so far, where TcpExt is among them, the
         * line aimed at, and what the case is to say (its text, when a mutation sets it, is used
         * instead of the lines).
         */
        static final class Edit {
            final Random r;
            final NetstatModel m;
            final List<String> lines = new ArrayList<>();
            final int tcpHeader;
            final int tcpValues;
            final int target;
            String text;
            boolean valid;
            NetnsCounters expected;

            Edit(Random r, NetstatModel m) {
                this.r = r;
                this.m = m;
                m.sections.forEach(lines::addAll);
                List<String> tcpExt = m.sections.stream().filter(s -> s.getFirst().startsWith("TcpExt:")).findFirst().orElseThrow();
                tcpHeader = lines.indexOf(tcpExt.getFirst());
                tcpValues = tcpHeader + 1;
                target = r.nextInt(3) == 0 ? r.nextInt(lines.size()) : r.nextBoolean() ? tcpValues : tcpHeader;
                expected = m.expected;
            }

            /** Edits a token of the line aimed at (null removes it with its space); says which. */
            String token(java.util.function.UnaryOperator<String> edit) {
                return NetstatMutator.token(r, lines, target, edit);
            }
        }

        /** Each mutation, which says what it did. {@link #pick} goes by their order: a change of it changes the case of every seed. */
        enum Mutation {
            NONE(e -> {
                e.valid = true;
                return "none";
            }),
            SECTIONS_REORDERED(e -> {
                List<List<String>> s = new ArrayList<>(e.m.sections);
                Collections.reverse(s);
                e.text = NetstatModel.render(s);
                e.valid = true;
                return "sections reordered";
            }),
            SIGN(e -> "sign in " + e.token(t -> "-" + t)),
            PLUS_SIGN(e -> "plus sign in " + e.token(t -> "+" + t)),
            HEX_VALUE(e -> "hex value in " + e.token(t -> "0x" + t)),
            VALUE_PAST_2_64(e -> "value past 2^64 in " + e.token(t -> "18446744073709551616")),
            COLUMN_REMOVED(e -> "column removed in " + e.token(t -> null)),
            COLUMN_ADDED(e -> "column added in " + e.token(t -> t + " " + (t.matches("[0-9]+") ? "0" : "Extra"))),
            CARRIAGE_RETURN(e -> {
                e.lines.set(e.target, e.lines.get(e.target) + "\r");
                return "carriage return in line " + e.target;
            }),
            CRLF_LINE_ENDS(e -> {
                e.lines.replaceAll(l -> l + "\r");
                return "CRLF line ends";
            }),
            CR_ONLY_LINE_ENDS(e -> {
                e.text = String.join("\r", e.lines) + "\r";
                return "CR-only line ends";
            }),
            CUT_AT_A_BYTE(e -> {
                String full = String.join("\n", e.lines) + "\n";
                int cut = e.r.nextInt(full.length() + 1);
                e.text = full.substring(0, cut);
                return "cut at byte " + cut;
            }),
            TCP_EXT_TWICE(e -> {
                e.lines.add(e.lines.get(e.tcpHeader));
                e.lines.add(e.lines.get(e.tcpValues));
                return "TcpExt twice";
            }),
            COLUMN_NAMED_TWICE(e -> {
                String h = e.lines.get(e.tcpHeader);
                String v = e.lines.get(e.tcpValues);
                e.lines.set(e.tcpHeader, h + " ListenOverflows");
                e.lines.set(e.tcpValues, v + " 1");
                return "a column named twice";
            }),
            GARBAGE_LINE(e -> {
                e.lines.add(e.r.nextInt(e.lines.size() + 1), garbage(e.r, 1 + e.r.nextInt(100), false));
                return "a line of binary garbage";
            }),
            GARBAGE_FILE(e -> {
                e.text = garbage(e.r, 1 + e.r.nextInt(400), true);
                return "binary garbage for a file";
            }),
            EMPTY(e -> {
                e.text = "";
                return "empty";
            }),
            TAB_FOR_A_SPACE(e -> "tab for a space in " + e.token(t -> t + "\t")),
            TWO_SPACES(e -> "two spaces in " + e.token(t -> t + " ")),
            TCP_EXT_VALUES_REMOVED(e -> {
                e.lines.remove(e.tcpValues);
                return "TcpExt values line removed";
            }),
            LARGEST_COUNTERS(e -> {
                // Still valid: every value 2^64 - 1.
                String v = e.lines.get(e.tcpValues);
                e.lines.set(e.tcpValues, v.replaceAll(" [0-9]+", " 18446744073709551615"));
                e.valid = true;
                e.expected = new NetnsCounters(-1L, -1L, -1L, e.m.withDoCookies ? -1L : 0, -1L);
                return "largest counters";
            }),
            LAST_NEWLINE_REMOVED(e -> {
                e.text = String.join("\n", e.lines);
                return "last newline removed";
            });

            private final Function<Edit, String> edit;

            Mutation(Function<Edit, String> edit) {
                this.edit = edit;
            }


            String applyTo(Edit e) {
                return edit.apply(e);
            }
        }

        /** Edits a token of a line (null removes it with its space); says which. */
        static String token(Random r, List<String> lines, int target, java.util.function.UnaryOperator<String> edit) {
            String[] toks = lines.get(target).split(" ", -1);
            int k = 1 + r.nextInt(Math.max(1, toks.length - 1));
            if (k >= toks.length) {
                k = toks.length - 1;
            }
            String e = edit.apply(toks[k]);
            List<String> out = new ArrayList<>(List.of(toks));
            if (e == null) {
                out.remove(k);
            } else {
                out.set(k, e);
            }
            lines.set(target, String.join(" ", out));
            return "column " + k + " of line " + target;
        }
    }

    /** A pod's process's cgroup file, and what it says. */
    static final class CgroupModel {
        String text;
        String expectedUid;
        String expectedContainer;
        boolean systemd;
        boolean v2;
        String uid;
        List<String> lines = new ArrayList<>();

        static CgroupModel random(Random r) {
            CgroupModel m = new CgroupModel();
            byte[] b = new byte[16];
            r.nextBytes(b);
            String hex = java.util.HexFormat.of().formatHex(b);
            m.uid = hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-4" + hex.substring(13, 16) + "-" + "89ab".charAt(r.nextInt(4))
                    + hex.substring(17, 20) + "-" + hex.substring(20);
            byte[] c = new byte[32];
            r.nextBytes(c);
            m.expectedContainer = java.util.HexFormat.of().formatHex(c);
            m.expectedUid = m.uid;
            m.systemd = r.nextBoolean();
            m.v2 = r.nextBoolean();
            String qos = List.of("burstable", "besteffort", "").get(r.nextInt(3));
            String runtime = List.of("cri-containerd", "crio", "docker").get(r.nextInt(3));
            String path;
            if (m.systemd) {
                String slice = qos.isEmpty() ? "kubepods-pod" + m.uid.replace('-', '_') + ".slice"
                        : "kubepods-" + qos + ".slice/kubepods-" + qos + "-pod" + m.uid.replace('-', '_') + ".slice";
                path = "/kubepods.slice/" + slice + "/" + runtime + "-" + m.expectedContainer + ".scope";
            } else {
                path = "/kubepods/" + (qos.isEmpty() ? "" : qos + "/") + "pod" + m.uid + "/" + m.expectedContainer;
            }
            if (m.v2) {
                m.lines.add("0::" + path);
            } else {
                String[] controllers = {"cpuset", "cpu,cpuacct", "blkio", "memory", "devices", "freezer", "net_cls,net_prio", "perf_event",
                        "hugetlb", "pids", "rdma", "misc", "name=systemd"};
                for (int i = controllers.length; i >= 1; i--) {
                    m.lines.add(i + ":" + controllers[i - 1] + ":" + path);
                }
                m.lines.add("0::/");
            }
            m.text = String.join("\n", m.lines) + "\n";
            return m;
        }

        /** The pod UID as the paths hold it: the systemd driver escapes each '-' as '_'. */
        String uidInPath() {
            return systemd ? uid.replace('-', '_') : uid;
        }
    }

    record CgroupCase(String text, String mutation, boolean valid, ProcessAttribution.Kind expectedKind, String expectedUid,
            String expectedContainer) {
    }

    static final class CgroupMutator {
        static CgroupCase mutate(Random r, CgroupModel m) {
            // The line aimed at is drawn before the mutation, an order every seed's case depends on.
            Edit e = new Edit(r, m);
            String mutation = oneOf(Mutation.values(), r).applyTo(e);
            String text = e.text != null ? e.text : String.join("\n", e.lines) + "\n";
            return new CgroupCase(text, mutation, e.valid, ProcessAttribution.Kind.POD, e.uid, m.expectedContainer);
        }

        /**
         * One case in the making: the model's lines as mutated so far, the line aimed at, and what the
         * case is to say (its text, when a mutation sets it, is used instead of the lines).
         */
        static final class Edit {
            final Random r;
            final CgroupModel m;
            final List<String> lines;
            final int target;
            String text;
            boolean valid;
            String uid;

            Edit(Random r, CgroupModel m) {
                this.r = r;
                this.m = m;
                lines = new ArrayList<>(m.lines);
                target = r.nextInt(lines.size());
                uid = m.expectedUid;
            }

            String line() {
                return lines.get(target);
            }

            void setLine(String line) {
                lines.set(target, line);
            }

            /** Replaces the pod UID, as the paths hold it, in every line. */
            void replaceUid(String with) {
                String inPath = m.uidInPath();
                lines.replaceAll(l -> l.replace(inPath, with));
            }
        }

        /** Each mutation, which says what it did. {@link #pick} goes by their order: a change of it changes the case of every seed. */
        enum Mutation {
            NONE(e -> {
                e.valid = true;
                return "none";
            }),
            SIGN(e -> {
                e.setLine("-" + e.line());
                return "sign in the hierarchy id of line " + e.target;
            }),
            LEADING_ZERO(e -> {
                e.setLine("0" + e.line());
                return "leading zero in the hierarchy id of line " + e.target;
            }),
            CONTROLLERS_REMOVED(e -> {
                String l = e.line();
                e.setLine(l.substring(0, l.indexOf(':')) + l.substring(l.indexOf(':', l.indexOf(':') + 1)));
                return "controllers column removed from line " + e.target;
            }),
            COLUMN_ADDED(e -> {
                String l = e.line();
                int second = l.indexOf(':', l.indexOf(':') + 1);
                e.setLine(l.substring(0, second + 1) + "extra:" + l.substring(second + 1));
                return "column added to line " + e.target;
            }),
            CARRIAGE_RETURN(e -> {
                e.setLine(e.line() + "\r");
                return "carriage return in line " + e.target;
            }),
            CR_ONLY_LINE_ENDS(e -> {
                e.text = String.join("\r", e.lines) + "\r";
                return "CR-only line ends";
            }),
            CUT_AT_A_BYTE(e -> {
                String full = String.join("\n", e.lines) + "\n";
                int cut = e.r.nextInt(full.length() + 1);
                e.text = full.substring(0, cut);
                return "cut at byte " + cut;
            }),
            LINE_TWICE(e -> {
                e.lines.add(e.target, e.line());
                return "line " + e.target + " twice";
            }),
            GARBAGE_LINE(e -> {
                e.lines.add(e.r.nextInt(e.lines.size() + 1), garbage(e.r, 1 + e.r.nextInt(100), false));
                return "a line of binary garbage";
            }),
            GARBAGE_FILE(e -> {
                e.text = garbage(e.r, 1 + e.r.nextInt(300), true);
                return "binary garbage for a file";
            }),
            EMPTY(e -> {
                e.text = "";
                return "empty";
            }),
            UID_WITHOUT_SEPARATORS(CgroupMutator::uidWithoutSeparators),
            UID_IN_UPPER_CASE(e -> {
                String inPath = e.m.uidInPath();
                e.replaceUid(inPath.toUpperCase(Locale.ROOT));
                if (!inPath.matches(".*[a-f].*")) {
                    e.valid = true;
                }
                return "pod UID in upper case";
            }),
            UID_WITH_MIXED_SEPARATORS(e -> {
                String inPath = e.m.uidInPath();
                int at = inPath.indexOf(e.m.systemd ? '_' : '-');
                e.replaceUid(inPath.substring(0, at) + (e.m.systemd ? '-' : '_') + inPath.substring(at + 1));
                return "pod UID with the other driver's separator in one place";
            }),
            UID_ONE_DIGIT_SHORT(e -> {
                e.replaceUid(e.m.uidInPath().substring(1));
                return "pod UID one digit short";
            }),
            CONTAINER_ID_ONE_DIGIT_SHORT(e -> {
                e.lines.replaceAll(l -> l.replace(e.m.expectedContainer, e.m.expectedContainer.substring(1)));
                return "container id one digit short";
            }),
            CONTAINER_ID_IN_UPPER_CASE(e -> {
                String upper = e.m.expectedContainer.toUpperCase(Locale.ROOT);
                e.lines.replaceAll(l -> l.replace(e.m.expectedContainer, upper));
                if (upper.equals(e.m.expectedContainer)) {
                    e.valid = true;
                }
                return "container id in upper case";
            }),
            DELETED_CGROUP_OR_ANOTHER_POD(CgroupMutator::deletedCgroupOrAnotherPod),
            LAST_NEWLINE_REMOVED(e -> {
                e.text = String.join("\n", e.lines);
                return "last newline removed";
            }),
            TAB(e -> {
                e.setLine(e.line().replaceFirst(":", ":\t"));
                return "a tab in line " + e.target;
            });

            private final Function<Edit, String> edit;

            Mutation(Function<Edit, String> edit) {
                this.edit = edit;
            }


            String applyTo(Edit e) {
                return edit.apply(e);
            }
        }

        private static String uidWithoutSeparators(Edit e) {
            // Without its separators: in the cgroupfs form it may be a UID that lost its dashes (refused);
            // in the systemd form it is what a static pod's slice looks like (its 32-hex hash, believed).
            String bare = e.m.uid.replace("-", "");
            e.replaceUid(bare);
            if (e.m.systemd) {
                e.valid = true;
                e.uid = bare;
            }
            return "pod UID without separators (" + (e.m.systemd ? "systemd" : "cgroupfs") + ")";
        }

        /** On cgroup v2, the path of a deleted cgroup (still the pod's); on v1, the first hierarchy naming another pod. */
        private static String deletedCgroupOrAnotherPod(Edit e) {
            if (e.m.v2) {
                e.lines.set(0, e.lines.getFirst() + " (deleted)");
                e.valid = true;
                return "a v2 path of a deleted cgroup";
            }
            String inPath = e.m.uidInPath();
            String other = inPath.substring(0, inPath.length() - 1) + (inPath.endsWith("0") ? "1" : "0");
            e.lines.set(0, e.lines.getFirst().replace(inPath, other));
            return "one hierarchy names another pod";
        }
    }

    // ------------------------------------------------------------------------------------------

    /** Failures of one property, with counts per mutation, reported at the end. */
    static final class Failures {
        final String property;
        final List<String> reported = new ArrayList<>();
        final Map<String, AtomicInteger> mutations = new TreeMap<>();
        final Map<String, AtomicInteger> categories = new TreeMap<>();
        final Map<String, AtomicInteger> failedMutations = new TreeMap<>();
        final long started = System.nanoTime();
        int cases;
        int failed;

        Failures(String property) {
            this.property = property;
        }

        void count(String mutation) {
            mutations.computeIfAbsent(kindOf(mutation), k -> new AtomicInteger()).incrementAndGet();
        }

        static String kindOf(String mutation) {
            return mutation.replaceAll(" \\(with SYN_RECV\\)", "").replaceAll(" (in|of|from|to|after) (column|line|the hierarchy|pid).*$", "")
                    .replaceAll("line [0-9]+", "line N").replaceAll("byte [0-9]+", "byte N");
        }

        void add(long seed, String mutation, String input, List<String> problems) {
            cases++;
            if (problems.isEmpty()) {
                return;
            }
            failed++;
            Set<String> kinds = new HashSet<>();
            for (String p : problems) {
                kinds.add(category(p));
            }
            kinds.forEach(k -> categories.computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet());
            kinds.forEach(k -> failedMutations.computeIfAbsent(k + " <- " + kindOf(mutation), x -> new AtomicInteger()).incrementAndGet());
            if (reported.size() < MAX_REPORTED) {
                String shown = input.length() > 400 ? input.substring(0, 400) + "..." : input;
                reported.add("seed " + seed + ", " + mutation + ": " + problems + "\n    input: " + shown.replace("\n", "\\n")
                        .replace("\r", "\\r"));
            }
        }

        /** What kind of failure a problem is: crash, hang, silent wrong answer, silent drop, or else. */
        static String category(String problem) {
            for (String k : new String[] {"silent wrong answer", "silent drop", "hang"}) {
                if (problem.startsWith(k)) {
                    return k;
                }
            }
            if (problem.startsWith("exception escaped: ")) {
                return "crash (" + problem.substring("exception escaped: ".length()).replaceAll(":.*", "") + ")";
            }
            if (problem.contains("(not mutated)")) {
                return "a file not mutated read wrong";
            }
            String[] words = problem.replaceAll("[0-9]+", "N").split(" ");
            return String.join(" ", List.of(words).subList(0, Math.min(5, words.length)));
        }

        void assertNone() {
            System.out.printf(Locale.ROOT, "fuzz %s: %d cases, %d failed %s, %.1f s; mutations: %s%n", property, cases, failed, categories,
                    (System.nanoTime() - started) / 1e9, mutations);
            if (failed > 0) {
                System.out.printf(Locale.ROOT, "fuzz %s failures by mutation: %s%n", property, failedMutations);
            }
            assertThat(reported).as("%s: %d of %d cases failed", property, failed, cases).isEmpty();
        }
    }

    /** One of the values, drawn from the seeded generator (each mutator's mutations are an enum). */
    static <T> T oneOf(T[] all, Random r) {
        return all[r.nextInt(all.length)];
    }
}
