package dev.backlogsentinel.agent.kernel;

import dev.backlogsentinel.agent.kernel.NetnsProcesses;

/** One of the two ways to read listen queues (DESIGN.md "Readers"); opens one source per namespace. */
public interface ListenerReader {

    ReaderKind kind();

    /** Opens what this reader keeps for the namespace; tries the processes in order until one works. */
    NetnsSource open(NetnsProcesses netns) throws ReaderException;
}
