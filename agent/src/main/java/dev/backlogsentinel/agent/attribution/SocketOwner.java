package dev.backlogsentinel.agent.attribution;

import dev.backlogsentinel.api.advice.Server;

import java.util.List;

/**
 * Who holds a listening socket: the lowest pid among its holders (a pre-forking server's master),
 * under which fd, what that process is, and which container it runs in.
 *
 * @param server      the server software, when recognised (its backlog setting is then known)
 * @param containerId the 64-hex id from the process's cgroup, or null (not a pod's container)
 * @param pids        every process holding the socket, ascending
 */
public record SocketOwner(int pid, int fd, ProcessIdentity process, Server server, String containerId, List<Integer> pids) {

    public static SocketOwner of(List<SocketHolder> holders, ProcessIdentity process, String containerId) {
        SocketHolder first = holders.getFirst();
        Server server = process == null ? null : Server.recognise(process.command(), process.executable(), process.goBinary());
        return new SocketOwner(first.pid(), first.fd(), process, server, containerId,
                holders.stream().map(SocketHolder::pid).toList());
    }

    /** The command name, as ps shows it ("?" when the process exited before it could be read). */
    public String command() {
        return process == null ? "?" : process.command();
    }

    /** How many processes hold the socket. */
    public int holders() {
        return pids.size();
    }

    /** As the table shows it: nginx(812), or nginx(812)+3 with three more holders. */
    public String label() {
        return command() + "(" + pid + ")" + (pids.size() > 1 ? "+" + (pids.size() - 1) : "");
    }
}
