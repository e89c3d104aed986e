package dev.backlogsentinel.agent.kernel;

/** A reader could not read one namespace; the scan goes on without it and counts the error. */
public class ReaderException extends Exception {

    private final boolean permission;

    public ReaderException(String message, boolean permission, Throwable cause) {
        super(message, cause);
        this.permission = permission;
    }

    public ReaderException(String message) {
        this(message, false, null);
    }

    /** True when the cause is a missing capability, not a fault: the caller may fall back. */
    public boolean isPermission() {
        return permission;
    }
}
