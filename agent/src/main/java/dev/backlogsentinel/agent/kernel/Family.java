package dev.backlogsentinel.agent.kernel;

/** Address family of a listening socket, named as users read it. */
public enum Family {
    IPv4,
    IPv6
}
