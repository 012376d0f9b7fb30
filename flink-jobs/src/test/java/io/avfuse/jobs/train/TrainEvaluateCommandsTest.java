package io.avfuse.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.avfuse.jobs.model.ModelManifest;
import io.avfuse.jobs.model.TwoBitTask;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code avfuse train} then {@code avfuse evaluate}, end to end through their command lines, on a
 * saved dataset: the four classes of the two-bit task (tone pitch x frame brightness).
 */
class TrainEvaluateCommandsTest {
    @TempDir Path tmp;

    @Test
    void aModelTrainedByTheCliIsEvaluatedIntoAReport() throws Exception {
        Path data = tmp.resolve("data");
        TwoBitTask task = TwoBitTask.draw(64, 0, false, new Random(11));
        new LabelledWindows(TwoBitTask.LABELS, task.windows(), task.labels()).write(data);

        Path model = tmp.resolve("model");
        Path baseline = tmp.resolve("baseline");
        assertThat(run(new TrainCommand(), common(data, model, "0.3"))).isZero();
        assertThat(run(new TrainCommand(), common(data, baseline, "0"))).isZero();
        ModelManifest m = ModelManifest.read(model);
        // The dataset's classes name the outputs, not the benchmark's.
        assertThat(m.labels()).isEqualTo(TwoBitTask.LABELS);
        assertThat(m.version()).isEqualTo("gated-drop-s3");
        assertThat(ModelManifest.read(baseline).version()).isEqualTo("gated-nodrop-s3");

        Path report = tmp.resolve("report");
        String out =
                runOut(
                        new EvaluateCommand(),
                        "--dataset",
                        data.toString(),
                        "--model",
                        model.toString(),
                        "--baseline",
                        baseline.toString(),
                        "--out",
                        report.toString());
        assertThat(out).contains("Fusion gain").contains("gated-nodrop-s3");
        JsonNode json = new ObjectMapper().readTree(report.resolve("report.json").toFile());
        assertThat(json.get("model").asText()).isEqualTo("gated-drop-s3");
        assertThat(json.get("windows").asInt()).isEqualTo(64);
        assertThat(json.get("ablation").size()).isEqualTo(15);
        // The report's figures agree with each other (quality is measured on the benchmark).
        JsonNode ablation = json.get("ablation");
        double all = ablation.get("video+audio+text+metadata").get("accuracy").asDouble();
        double best = ablation.get(json.get("bestSingle").asText()).get("accuracy").asDouble();
        assertThat(json.get("fusionGain").asDouble()).isCloseTo(all - best, within(1e-9));
        assertThat(all).isBetween(0.0, 1.0);
        assertThat(json.get("dropoutLossRatio").has("video")).isTrue();
        for (String png : List.of("ablation.png", "dropout.png")) {
            byte[] head = Files.readAllBytes(report.resolve(png));
            assertThat(head).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        }
    }

    private static String[] common(Path data, Path out, String dropout) {
        return new String[] {
            "--dataset", data.toString(),
            "--out", out.toString(),
            "--dropout", dropout,
            "--epochs", "3",
            "--learning-rate", "0.01",
            "--validation", "0.25",
            "--seed", "3",
            "--progress", "never"
        };
    }

    private static int run(Object command, String... args) {
        return new CommandLine(command).execute(args);
    }

    private static String runOut(Object command, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute(args)).isZero();
        return out.toString();
    }
}
