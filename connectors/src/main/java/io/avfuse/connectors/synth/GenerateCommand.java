package io.avfuse.connectors.synth;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FrameRecorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code avfuse generate}: the project's audio-visual benchmark. Writes labeled clips,
 * deterministic from {@code --seed}, and prints the Bayes-optimal accuracy of every modality
 * subset.
 *
 * <p>{@code avfuse generate --out bench --clips 4 --windows 30 --seed 1}
 */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        version = "avfuse generate 0.1.0",
        sortOptions = false,
        description = {
            "Generates labeled audio-visual clips for the fusion benchmark: per clip NAME.mp4"
                    + " (H.264 + AAC), NAME.srt, NAME.meta.jsonl and NAME.labels.json, plus"
                    + " classes.json. 8 classes over 1 s windows; evidence split across video,"
                    + " audio, text and metadata (see docs/benchmark-classes.md).",
            "Prints the Bayes-optimal accuracy of every modality subset."
        })
public final class GenerateCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-o", "--out"},
            paramLabel = "DIR",
            required = true,
            description = "Output directory (created).")
    Path out;

    @Option(
            names = "--clips",
            paramLabel = "N",
            defaultValue = "4",
            description = "Clips (default: ${DEFAULT-VALUE}).")
    int clips;

    @Option(
            names = "--windows",
            paramLabel = "N",
            defaultValue = "30",
            description = "1 s windows per clip (default: ${DEFAULT-VALUE}).")
    int windows;

    @Option(
            names = "--seed",
            paramLabel = "SEED",
            defaultValue = "1",
            description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--noise",
            paramLabel = "P",
            defaultValue = "0.2",
            description = "Probability a present cue is random (default: ${DEFAULT-VALUE}).")
    double noise;

    @Option(
            names = "--absence",
            paramLabel = "P",
            defaultValue = "0.1",
            description =
                    "Probability a modality is absent in a window (default: ${DEFAULT-VALUE}).")
    double absence;

    @Option(names = "--width", paramLabel = "PX", defaultValue = "160")
    int width;

    @Option(names = "--height", paramLabel = "PX", defaultValue = "120")
    int height;

    @Option(names = "--fps", paramLabel = "FPS", defaultValue = "25")
    int fps;

    @Option(names = "--sample-rate", paramLabel = "HZ", defaultValue = "16000")
    int sampleRate;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new GenerateCommand());
    }

    @Override
    public Integer call() throws IOException {
        validate();
        PrintWriter stdout = spec.commandLine().getOut();
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        Files.createDirectories(out);
        Random seeds = new Random(seed);
        for (int i = 0; i < clips; i++) {
            String name = "clip" + i;
            long clipSeed = seeds.nextLong();
            List<WindowPlan> plan = new ClipPlanner(clipSeed, noise, absence).plan(windows);
            try {
                new ClipRenderer(width, height, fps, sampleRate, clipSeed)
                        .render(plan, out.resolve(name + ".mp4"));
            } catch (FrameRecorder.Exception e) {
                spec.commandLine()
                        .getErr()
                        .println("avfuse generate: cannot encode " + name + ": " + e.getMessage());
                return 1;
            }
            ClipFiles.writeSrt(plan, out.resolve(name + ".srt"));
            ClipFiles.writeMetadata(plan, out.resolve(name + ".meta.jsonl"));
            ClipFiles.writeLabels(
                    name,
                    clipSeed,
                    plan,
                    orderedMap(
                            "fps", fps, "width", width, "height", height, "sampleRate", sampleRate),
                    out.resolve(name + ".labels.json"));
            stdout.printf(
                    Locale.ROOT,
                    "%s: %d windows -> %s%n",
                    name,
                    windows,
                    out.resolve(name + ".mp4"));
        }
        Map<Set<Modality>, Double> bounds = BayesBound.table(noise, absence);
        ClipFiles.writeClasses(noise, absence, bounds, out.resolve("classes.json"));
        stdout.printf(
                Locale.ROOT,
                "Bayes-optimal accuracy (ideal observer, noise %.2f, absence %.2f, chance 0.125):%n",
                noise,
                absence);
        bounds.forEach(
                (set, acc) ->
                        stdout.printf(
                                Locale.ROOT, "  %-28s %.4f%n", ClipFiles.subsetName(set), acc));
        stdout.flush();
        return 0;
    }

    private void validate() {
        if (clips < 1 || windows < 1) {
            throw bad("--clips and --windows must be at least 1");
        }
        if (noise < 0 || noise > 1 || absence < 0 || absence > 2.0 / 3) {
            // The planner's absence chain cannot reach a rate above 2/3, and the printed bounds
            // assume the requested rate.
            throw bad("--noise must be in [0,1] and --absence in [0,2/3]");
        }
        if (width < 64 || height < 48 || width % 2 != 0 || height % 2 != 0) {
            throw bad("--width/--height must be even and at least 64x48");
        }
        if (fps < 13) {
            // A flash lasts 80 ms: below 12.5 fps some flashes fall between frames while the
            // labels still say they are visible.
            throw bad("--fps must be at least 13 (the visual cues last 80 ms)");
        }
        if (sampleRate < 8000 || sampleRate % fps != 0) {
            throw bad("--sample-rate must be at least 8000 and a multiple of --fps");
        }
    }

    /** Insertion-ordered, so labels.json is byte-identical across JVMs for one seed. */
    private static Map<String, Object> orderedMap(Object... keyValues) {
        Map<String, Object> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    private ParameterException bad(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
