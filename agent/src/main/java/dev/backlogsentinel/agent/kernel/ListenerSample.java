package dev.backlogsentinel.agent.kernel;

/**
 * One listening TCP socket as a reader saw it in one scan.
 *
 * @param endpoint  local address and port
 * @param inode     socket inode (ties the socket to the processes holding it; 0 when unknown)
 * @param depth     accept-queue length now (sk_ack_backlog)
 * @param limit     the socket's own maximum (sk_max_ack_backlog), or null when the reader cannot see it
 * @param drops     the socket's own drop count (sk_drops, netlink only), or null
 */
public record ListenerSample(Endpoint endpoint, long inode, int depth, Integer limit, Long drops) {
}
