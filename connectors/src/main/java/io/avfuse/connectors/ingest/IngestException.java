package io.avfuse.connectors.ingest;

/**
 * A failure the user can act on: its message is printed as one line, without a stack trace, and the
 * command exits with {@link #exitCode()}.
 */
public final class IngestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Exit code for unreadable or unsuitable input. */
    public static final int INPUT = 1;

    /** Exit code for Kafka failures, including records too large for the producer or topic. */
    public static final int PUBLISH = 3;

    private final int exitCode;

    public IngestException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public IngestException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
