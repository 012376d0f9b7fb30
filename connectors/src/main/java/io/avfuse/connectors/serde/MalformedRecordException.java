package io.avfuse.connectors.serde;

/** A message value that is not a valid record of the expected type; the message says why. */
public class MalformedRecordException extends Exception {
    public MalformedRecordException(String message) {
        super(message);
    }

    public MalformedRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
