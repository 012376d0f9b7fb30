package io.avfuse.connectors.serde;

import io.avfuse.schemas.DeadLetter;

/**
 * What became of one Kafka message: the decoded record, or a dead letter saying why not.
 *
 * @param <T> the record type
 */
public record DecodeResult<T>(T record, DeadLetter deadLetter) {
    public static <T> DecodeResult<T> ok(T record) {
        return new DecodeResult<>(record, null);
    }

    public static <T> DecodeResult<T> rejected(DeadLetter deadLetter) {
        return new DecodeResult<>(null, deadLetter);
    }

    public boolean isOk() {
        return deadLetter == null;
    }
}
