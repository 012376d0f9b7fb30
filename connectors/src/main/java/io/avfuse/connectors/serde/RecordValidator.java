package io.avfuse.connectors.serde;

import java.io.Serializable;

/**
 * A semantic check on a record that decoded cleanly: sizes that agree with each other, values in
 * range. Returns the reason a record is unusable, or null when it is fine.
 *
 * @param <T> the record type
 */
@FunctionalInterface
public interface RecordValidator<T> extends Serializable {
    String problemWith(T record);

    static <T> RecordValidator<T> none() {
        return record -> null;
    }
}
