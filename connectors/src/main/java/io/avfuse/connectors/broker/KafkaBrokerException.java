package io.avfuse.connectors.broker;

/**
 * A broker could not be started, restarted or used. The message's first line says what failed; the
 * following lines, when present, hold the tail of the failing node's log.
 *
 * <p>{@code try (var kafka = KafkaBroker.builder().build().start()) { ... } catch
 * (KafkaBrokerException e) { ... }}
 */
public class KafkaBrokerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KafkaBrokerException(String message) {
        super(message);
    }

    public KafkaBrokerException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The first line of the message, for one-line error reports. */
    public String summary() {
        String message = String.valueOf(getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
