package dev.backlogsentinel.agent.kernel;

/** A local address and port, as printed by ss: the key that ties request sockets to their listener. */
public record Endpoint(Family family, String address, int port) {

    public boolean isWildcard() {
        return address.equals("0.0.0.0") || address.equals("::");
    }

    // Written out: endpoints key the scan's maps (SYN_RECV, metric series) for every listener every
    // scan, and a record's generated methods go through method handles the C1-only JIT of a node
    // agent leaves slow.
    @Override
    public boolean equals(Object o) {
        return o instanceof Endpoint e && port == e.port && family == e.family && address.equals(e.address);
    }

    @Override
    public int hashCode() {
        return (31 * family.hashCode() + address.hashCode()) * 31 + port;
    }

    @Override
    public String toString() {
        return family == Family.IPv6 ? "[" + address + "]:" + port : address + ":" + port;
    }
}
