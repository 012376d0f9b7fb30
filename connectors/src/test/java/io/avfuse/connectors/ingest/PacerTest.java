package io.avfuse.connectors.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PacerTest {
    @Test
    void realTimeWaitsUntilTheMediaTimeIsDueOnTheWallClock() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        List<Long> sleeps = new ArrayList<>();
        Pacer pacer =
                new Pacer(
                        true,
                        now::get,
                        nanos -> {
                            sleeps.add(nanos);
                            now.addAndGet(nanos);
                        });
        pacer.await(5_000_000); // origin: media 5 s at wall 1 s
        pacer.await(5_040_000); // 40 ms later in media time
        now.addAndGet(10_000_000); // 10 ms of work
        pacer.await(5_080_000); // due 40 ms after the previous: sleep 30 ms
        now.addAndGet(500_000_000); // fell behind
        pacer.await(5_120_000); // already late: no sleep
        assertThat(sleeps).containsExactly(40_000_000L, 30_000_000L);
    }

    @Test
    void fastNeverWaits() throws Exception {
        Pacer pacer = Pacer.fast();
        long start = System.nanoTime();
        pacer.await(0);
        pacer.await(3_600_000_000L);
        assertThat(System.nanoTime() - start).isLessThan(1_000_000_000L);
        assertThat(pacer.isRealTime()).isFalse();
    }
}
