package dev.backlogsentinel.agent.kernel;

/**
 * One listening TCP socket as a reader saw it in one scan.
 *
 * @param endpoint  local address and port
 * @param inode     socket inode (ties the socket to the processes holding it; 0 when unknown)
 * @param depth     accept-queue length now (sk_ack_backlog, an unsigned 32-bit value kept whole:
 *                  procfs's rx_queue FFFFFFFF is 4294967295, never clamped)
 * @param limit     the socket's own maximum (sk_max_ack_backlog), or null when the reader cannot see it
 * @param drops     the socket's own drop count (sk_drops, netlink only), or null
 */
public record ListenerSample(Endpoint endpoint, long inode, long depth, Integer limit, Long drops) {
}
