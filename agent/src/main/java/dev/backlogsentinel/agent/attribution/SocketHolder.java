package dev.backlogsentinel.agent.attribution;

/**
 * One process holding a socket open: which process and under which file descriptor, as
 * {@code ss -p} shows it ({@code users:(("nginx",pid=812,fd=6))}).
 */
public record SocketHolder(int pid, int fd) {
}
