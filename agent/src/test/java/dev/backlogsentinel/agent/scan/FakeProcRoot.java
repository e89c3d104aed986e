package dev.backlogsentinel.agent.scan;

import dev.backlogsentinel.agent.ProcfsLines;
import dev.backlogsentinel.agent.kernel.ListenerReader;
import dev.backlogsentinel.agent.kernel.NetnsProcesses;
import dev.backlogsentinel.agent.kernel.NetnsKnobs;
import dev.backlogsentinel.agent.kernel.ReaderException;
import dev.backlogsentinel.agent.kernel.ReaderKind;
import dev.backlogsentinel.agent.procfs.ProcfsReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A procfs tree under a temporary directory, process by process, for the scanner's parts. */
final class FakeProcRoot {

    static final String NETSTAT_HEADER = "TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPReqQFullDoCookies TCPReqQFullDrop\n";

    final Path root;

    FakeProcRoot(Path root) {
        this.root = root;
    }

    /** A process whose namespace has the given net/tcp lines (after the header) and ListenOverflows. */
    FakeProcRoot process(int pid, long listenOverflows, String... tcpLines) throws IOException {
        Path net = Files.createDirectories(root.resolve(pid + "/net"));
        Files.writeString(net.resolve("tcp"), ProcfsLines.HEADER + "\n" + String.join("", List.of(tcpLines).stream().map(l -> l + "\n").toList()));
        Files.writeString(net.resolve("tcp6"), ProcfsLines.HEADER_V6 + "\n");
        netstat(pid, listenOverflows, 0);
        return this;
    }

    /** Rewrites the process's net/netstat in place (the open file sees the new content, as procfs shows it). */
    FakeProcRoot netstat(int pid, long listenOverflows, long reqQFullDrop) throws IOException {
        Files.writeString(root.resolve(pid + "/net/netstat"),
                NETSTAT_HEADER + "TcpExt: 0 " + listenOverflows + " " + listenOverflows + " 0 " + reqQFullDrop + "\n");
        return this;
    }

    FakeProcRoot cgroup(int pid, String line) throws IOException {
        Files.createDirectories(root.resolve(Integer.toString(pid)));
        Files.writeString(root.resolve(pid + "/cgroup"), line + "\n");
        return this;
    }

    NetnsProcesses netns(long key, Integer... pids) {
        return new NetnsProcesses(key, 4026530000L + key, List.of(pids));
    }

    ProcfsReader procfs() {
        return new ProcfsReader(root, 1 << 20, -1, () -> NetnsKnobs.of(new Integer[NetnsKnobs.Knob.values().length]));
    }

    /** A netlink reader that refuses every namespace, for lack of a capability or for a fault. */
    static ListenerReader refusingNetlink(boolean permission) {
        return new ListenerReader() {
            @Override
            public ReaderKind kind() {
                return ReaderKind.NETLINK;
            }

            @Override
            public dev.backlogsentinel.agent.kernel.NetnsSource open(NetnsProcesses netns) throws ReaderException {
                throw new ReaderException(permission ? "setns: Operation not permitted" : "sock_diag: bad message", permission, null);
            }
        };
    }
}
