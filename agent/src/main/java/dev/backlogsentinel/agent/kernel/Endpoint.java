package dev.backlogsentinel.agent.kernel;

/** A local address and port, as printed by ss: the key that ties request sockets to their listener. */
public record Endpoint(Family family, String address, int port) {

    public boolean isWildcard() {
        return address.equals("0.0.0.0") || address.equals("::");
    }

    @Override
    public String toString() {
        return family == Family.IPv6 ? "[" + address + "]:" + port : address + ":" + port;
    }
}
