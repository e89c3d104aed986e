package dev.backlogsentinel.testing;

import java.nio.file.Path;
import java.util.List;

/**
 * A command run by a shell that first writes its own pid into cgroups, then execs the command in
 * place (the same pid): the process is in those cgroups from its first instruction, as a container
 * runtime starts a container's.
 */
final class CgroupCommand {

    private CgroupCommand() {
    }

    /** @param procs the cgroup.procs files to join, in order */
    static List<String> joining(List<Path> procs, List<String> command) {
        StringBuilder sh = new StringBuilder();
        for (Path p : procs) {
            sh.append("echo $$ > '").append(p).append("' && ");
        }
        sh.append("exec");
        for (String arg : command) {
            sh.append(" '").append(arg.replace("'", "'\\''")).append('\'');
        }
        return List.of("/bin/sh", "-c", sh.toString());
    }
}
