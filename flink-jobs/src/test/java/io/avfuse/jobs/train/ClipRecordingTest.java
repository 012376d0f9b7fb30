package io.avfuse.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.jobs.model.FusionInferenceTest;
import io.avfuse.schemas.AlignedWindow;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ClipRecordingTest {
    @Test
    void windowsComeOutInTheSameOrderHoweverThePartitionsInterleaved() {
        List<AlignedWindow> windows = new ArrayList<>();
        for (String stream : List.of("clip0", "clip1", "clip2")) {
            for (int i = 0; i < 5; i++) {
                windows.add(FusionInferenceTest.window(stream, i, false, false, false));
            }
        }
        List<String> expected = keys(windows);
        for (long seed = 1; seed <= 3; seed++) {
            List<AlignedWindow> read = new ArrayList<>(windows);
            Collections.shuffle(read, new Random(seed));
            assertThat(keys(ClipRecording.inStreamOrder(read))).isEqualTo(expected);
        }
    }

    private static List<String> keys(List<AlignedWindow> windows) {
        return windows.stream().map(w -> w.getStreamId() + "@" + w.getWindowStartUs()).toList();
    }
}
