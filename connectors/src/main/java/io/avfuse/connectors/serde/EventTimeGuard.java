package io.avfuse.connectors.serde;

import java.io.Serializable;
import java.time.Clock;
import java.time.Duration;

/**
 * Rejects records stamped more than {@code maxFuture} ahead of the wall clock: one producer with a
 * broken clock must not push the watermark past every other stream. {@link RecordDecoder} applies
 * it after the record checks, where the bytes received are still at hand, so its dead letters carry
 * them like every other decoder dead letter.
 *
 * <p>{@code new RecordDecoder<>(serde, maxValueBytes, EventTimeGuard.of(Duration.ofHours(1)))}
 */
public final class EventTimeGuard implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * The dead letters' error class. The name dates from when the check ran inside the job (package
     * {@code io.avfuse.jobs.align}); it is kept so that dead-letter consumers grouping by class see
     * no change.
     */
    public static final String ERROR_CLASS = "io.avfuse.jobs.align.FutureRecord";

    private final long maxFutureUs;
    private final Clock clock;

    private EventTimeGuard(long maxFutureUs, Clock clock) {
        this.maxFutureUs = maxFutureUs;
        this.clock = clock;
    }

    public static EventTimeGuard of(Duration maxFuture) {
        return of(maxFuture, Clock.systemUTC());
    }

    /** With {@code clock} as the wall clock (tests pin it to check the bound itself). */
    public static EventTimeGuard of(Duration maxFuture, Clock clock) {
        if (maxFuture.isNegative()) {
            throw new IllegalArgumentException("negative max-future " + maxFuture);
        }
        return new EventTimeGuard(maxFuture.toNanos() / 1000, clock);
    }

    /** Why a record stamped {@code eventTimeUs} is unacceptable now, or null when it is fine. */
    public String problemWith(long eventTimeUs) {
        if (eventTimeUs <= clock.millis() * 1000 + maxFutureUs) {
            return null;
        }
        return "event time "
                + eventTimeUs
                + " µs is more than "
                + maxFutureUs / 1_000_000
                + " s ahead of the wall clock";
    }
}
