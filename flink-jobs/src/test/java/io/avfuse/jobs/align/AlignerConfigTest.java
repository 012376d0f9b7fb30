package io.avfuse.jobs.align;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AlignerConfigTest {

    @Test
    void oldestWindowContainingAnInstant() {
        AlignerConfig tumbling = AlignerConfig.defaults(); // W = H = 1 s
        assertThat(tumbling.firstWindowStart(500_000)).isZero();
        assertThat(tumbling.firstWindowStart(999_999)).isZero();
        assertThat(tumbling.firstWindowStart(1_000_000))
                .as("an end belongs to the next window")
                .isEqualTo(1_000_000);
        assertThat(tumbling.firstWindowStart(-1)).isEqualTo(-1_000_000);

        AlignerConfig sliding = tumbling.withWindow(Duration.ofSeconds(2), Duration.ofMillis(500));
        // Windows of 2 s every 0.5 s containing 1.2 s start at -0.5, 0, 0.5 and 1.0 s.
        assertThat(sliding.firstWindowStart(1_200_000)).isEqualTo(-500_000);
        assertThat(sliding.firstWindowStart(2_000_000))
                .as("[0, 2 s) excludes 2 s")
                .isEqualTo(500_000);
    }

    @Test
    void pendingCapMustCoverARecordsWindowsAndACaptionsSpan() {
        assertThatThrownBy(
                        () ->
                                AlignerConfig.defaults()
                                        .withWindow(Duration.ofSeconds(10), Duration.ofMillis(250)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max pending windows 32 is below 58");
    }
}
