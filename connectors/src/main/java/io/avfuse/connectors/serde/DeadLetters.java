package io.avfuse.connectors.serde;

import io.avfuse.schemas.DeadLetter;
import java.nio.ByteBuffer;

/**
 * Builds {@link DeadLetter} records: where a rejected message came from, why, and its bytes exactly
 * as received, so it can be inspected and replayed.
 *
 * <p>{@code DeadLetters.of(topic, partition, offset, timestampMs, key, value, "decode", error)}
 */
public final class DeadLetters {
    /** Longest error message kept; a parser can echo a whole hostile payload into its message. */
    static final int MAX_MESSAGE_CHARS = 2000;

    private DeadLetters() {}

    public static DeadLetter of(
            String topic,
            int partition,
            long offset,
            long timestampMs,
            byte[] key,
            byte[] value,
            String stage,
            Throwable error) {
        Throwable reason = error instanceof MalformedRecordException ? error : rootOrSelf(error);
        return of(
                topic,
                partition,
                offset,
                timestampMs,
                key,
                value,
                stage,
                reason.getClass().getName(),
                String.valueOf(reason.getMessage()));
    }

    public static DeadLetter of(
            String topic,
            int partition,
            long offset,
            long timestampMs,
            byte[] key,
            byte[] value,
            String stage,
            String errorClass,
            String errorMessage) {
        return DeadLetter.newBuilder()
                .setSourceTopic(topic)
                .setSourcePartition(partition)
                .setSourceOffset(offset)
                .setSourceTimestampMs(timestampMs)
                .setStage(stage)
                .setErrorClass(errorClass)
                .setErrorMessage(truncate(errorMessage))
                .setFailedAtMs(System.currentTimeMillis())
                .setRawKey(key == null ? null : ByteBuffer.wrap(key))
                .setRawValue(value == null ? null : ByteBuffer.wrap(value))
                .build();
    }

    private static Throwable rootOrSelf(Throwable error) {
        Throwable t = error;
        while (t.getCause() != null && t.getCause() != t && t.getMessage() == null) {
            t = t.getCause();
        }
        return t;
    }

    private static String truncate(String message) {
        return message.length() <= MAX_MESSAGE_CHARS
                ? message
                : message.substring(0, MAX_MESSAGE_CHARS) + "... (" + message.length() + " chars)";
    }
}
