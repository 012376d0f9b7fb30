package io.avfuse.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The evaluation's arithmetic on hand-checked cases, and the CLIs' usage. */
class EvaluationTest {
    @Test
    void accuracyAndMacroF1() {
        // Class 0: tp 2, fn 1 (predicted 1), fp 0 -> F1 0.8; class 1: tp 1, fp 1 -> F1 2/3 (fn 0).
        Evaluation.Scores s = Evaluation.scores(new int[] {0, 0, 1, 1}, new int[] {0, 0, 0, 1}, 3);
        assertThat(s.accuracy()).isEqualTo(0.75);
        assertThat(s.macroF1()).isCloseTo((0.8 + 2 / 3.0) / 2, within(1e-9));
    }

    @Test
    void retrievalRanksTheSameWindowFirstOnlyWhenItIsNearest() {
        float[][] text = {{1, 0}, {0, 1}, {0.7f, 0.7f}};
        float[][] window = {{1, 0}, {0.6f, 0.8f}, {0, 1}};
        Evaluation.Retrieval r =
                Evaluation.retrieval(text, window, new boolean[] {true, true, true});
        // Text 0 finds window 0 first; text 1 prefers window 2 (rank 2); text 2 prefers window 1.
        assertThat(r.textToWindowAt1()).isCloseTo(1 / 3.0, within(1e-9));
        assertThat(r.textToWindowAt5()).isEqualTo(1.0);
        assertThat(r.candidates()).isEqualTo(3);
    }

    @Test
    void subsetsCoverEveryNonEmptyCombinationOnce() {
        List<String> s = Evaluation.subsets();
        assertThat(s).hasSize(15).doesNotHaveDuplicates();
        assertThat(s.get(0)).isEqualTo("video");
        assertThat(s.get(14)).isEqualTo("video+audio+text+metadata");
        assertThat(Evaluation.maskOf("audio+metadata")).isEqualTo(0b1010);
    }

    @Test
    void bothCommandsExplainThemselves() {
        String train = new CommandLine(new TrainCommand()).getUsageMessage();
        assertThat(train).contains("--dropout", "--contrastive", "--stages", "--resume");
        String evaluate = new CommandLine(new EvaluateCommand()).getUsageMessage();
        assertThat(evaluate).contains("--baseline", "--model", "--dataset");
        assertThat(
                        new CommandLine(new TrainCommand())
                                .execute("--out", "/tmp/x", "--dropout", "0.1,0.2"))
                .as("two dropout values are neither one nor four")
                .isEqualTo(2);
    }
}
