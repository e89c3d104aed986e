package dev.backlogsentinel.agent.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Inodes of procfs entries: the identities of network namespaces (ns/net, net/tcp) and sockets. */
public final class ProcInodes {

    private ProcInodes() {
    }

    /** The inode of a file, following links (stat, not lstat): ns/net and net/tcp resolve to kernel inodes. */
    public static long of(Path path) throws IOException {
        Object ino = Files.getAttribute(path, "unix:ino");
        return ((Number) ino).longValue();
    }
}
