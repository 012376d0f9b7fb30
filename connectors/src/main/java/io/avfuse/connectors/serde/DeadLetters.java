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

    /**
     * Most raw value bytes a dead letter keeps. A dead letter must fit Kafka's default message
     * limits (1 MiB: the producer's {@code max.request.size}, the broker's {@code
     * message.max.bytes}) or the job's dead-letter sink fails on it, restarts, meets it again and
     * never gets past it; the rejected value itself may be larger (input topics for raw frames
     * allow more). 1 MiB less 64 KiB leaves room for the key, the message and the envelope.
     */
    public static final int MAX_RAW_VALUE_BYTES = (1 << 20) - (64 << 10);

    /** Most raw key bytes a dead letter keeps. */
    public static final int MAX_RAW_KEY_BYTES = 16 << 10;

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
        String message = truncate(errorMessage);
        if (value != null && value.length > MAX_RAW_VALUE_BYTES) {
            message +=
                    " [raw value truncated to its first "
                            + MAX_RAW_VALUE_BYTES
                            + " of "
                            + value.length
                            + " bytes]";
        }
        if (key != null && key.length > MAX_RAW_KEY_BYTES) {
            message +=
                    " [raw key truncated to its first "
                            + MAX_RAW_KEY_BYTES
                            + " of "
                            + key.length
                            + " bytes]";
        }
        return DeadLetter.newBuilder()
                .setSourceTopic(topic)
                .setSourcePartition(partition)
                .setSourceOffset(offset)
                .setSourceTimestampMs(timestampMs)
                .setStage(stage)
                .setErrorClass(errorClass)
                .setErrorMessage(message)
                .setFailedAtMs(System.currentTimeMillis())
                .setRawKey(key == null ? null : prefix(key, MAX_RAW_KEY_BYTES))
                .setRawValue(value == null ? null : prefix(value, MAX_RAW_VALUE_BYTES))
                .build();
    }

    private static ByteBuffer prefix(byte[] bytes, int max) {
        return ByteBuffer.wrap(bytes, 0, Math.min(bytes.length, max)).slice();
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
