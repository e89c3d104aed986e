package dev.backlogsentinel.agent.attribution;

/**
 * What a process is, as far as advice needs it.
 *
 * @param command    /proc/&lt;pid&gt;/comm (at most 15 characters; what ps and ss show)
 * @param executable basename of /proc/&lt;pid&gt;/exe, or null when it cannot be read
 * @param goBinary   the executable is a Go program (its ELF has Go's build-info section)
 */
public record ProcessIdentity(String command, String executable, boolean goBinary) {
}
