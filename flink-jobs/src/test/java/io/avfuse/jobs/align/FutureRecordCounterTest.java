package io.avfuse.jobs.align;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.serde.DeadLetters;
import io.avfuse.connectors.serde.EventTimeGuard;
import io.avfuse.connectors.serde.RecordValidator;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/** The sources' time-guard dead letters land in the aligner's per-modality droppedRecords. */
class FutureRecordCounterTest {
    /** A metric group that remembers the scope of every counter registered under it. */
    private static final class Scope extends UnregisteredMetricsGroup {
        private final String path;
        private final Map<String, Counter> counters;

        Scope(String path, Map<String, Counter> counters) {
            this.path = path;
            this.counters = counters;
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new Scope(path + name + ".", counters);
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return new Scope(path + key + "." + value + ".", counters);
        }

        @Override
        public Counter counter(String name) {
            return counter(name, new SimpleCounter());
        }

        @Override
        public <C extends Counter> C counter(String name, C counter) {
            counters.put(path + name, counter);
            return counter;
        }
    }

    @Test
    void countsOnlyTheGuardsDeadLettersUnderTheAlignersMetricName() {
        Map<String, Counter> counters = new TreeMap<>();
        FutureRecordCounter audio = new FutureRecordCounter(Modality.AUDIO);

        Counter c = audio.register(new Scope("", counters));

        assertThat(counters).containsOnlyKeys("avfuse.align.modality.audio.droppedRecords");
        assertThat(counters.get("avfuse.align.modality.audio.droppedRecords")).isSameAs(c);
        assertThat(audio.counts(deadLetter(EventTimeGuard.ERROR_CLASS))).isTrue();
        assertThat(audio.counts(deadLetter(RecordValidator.class.getName()))).isFalse();
    }

    private static io.avfuse.schemas.DeadLetter deadLetter(String errorClass) {
        return DeadLetters.of("a", 0, 1, 0, null, new byte[] {1}, "validate", errorClass, "why");
    }
}
