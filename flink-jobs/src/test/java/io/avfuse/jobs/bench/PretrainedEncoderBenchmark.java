package io.avfuse.jobs.bench;

import io.avfuse.jobs.encode.MiniLmTextEmbedder;
import io.avfuse.jobs.encode.PretrainedFiles;
import io.avfuse.jobs.encode.PretrainedFixtures;
import io.avfuse.jobs.encode.SileroSpeechActivity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The cost of the frozen pretrained encoders per batch, on this machine's CPU with {@code threads}
 * ONNX Runtime intra-op threads (0, the default: ORT's, one per core): MiniLM over 32 captions of
 * 8-16 words, Silero VAD over 32 one-second windows of 16 kHz audio (31 chunks each). Prints the
 * median and min of {@code repeats} batches after one warm-up batch.
 *
 * <p>{@code ./mvnw -q -pl flink-jobs exec:exec -Dexec.executable=java -Dexec.classpathScope=test
 * -Dexec.args="-cp %classpath io.avfuse.jobs.bench.PretrainedEncoderBenchmark 32 10 0"}
 */
public final class PretrainedEncoderBenchmark {
    private static final String[] WORDS =
            "the a goal crowd referee dog barks near door camera rain street car bus train"
                    .split(" ");

    public static void main(String[] args) throws Exception {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        PretrainedFiles files = PretrainedFixtures.files();
        Random rnd = new Random(1);
        try (MiniLmTextEmbedder minilm =
                        MiniLmTextEmbedder.load(
                                files.minilmModel(), files.minilmTokenizer(), 128, threads);
                SileroSpeechActivity vad = SileroSpeechActivity.load(files.sileroVad(), threads)) {
            double[] text = new double[repeats];
            double[] audio = new double[repeats];
            for (int r = -1; r < repeats; r++) {
                List<String> captions = new ArrayList<>();
                float[][] mono = new float[batch][16_000];
                for (int i = 0; i < batch; i++) {
                    StringBuilder s = new StringBuilder();
                    for (int w = 8 + rnd.nextInt(9); w > 0; w--) {
                        s.append(WORDS[rnd.nextInt(WORDS.length)]).append(' ');
                    }
                    captions.add(s.toString());
                    for (int n = 0; n < mono[i].length; n++) {
                        mono[i][n] = (float) (0.1 * rnd.nextGaussian());
                    }
                }
                long t0 = System.nanoTime();
                minilm.embed(captions);
                long t1 = System.nanoTime();
                vad.probabilities(mono);
                long t2 = System.nanoTime();
                if (r >= 0) {
                    text[r] = (t1 - t0) / 1e6;
                    audio[r] = (t2 - t1) / 1e6;
                }
            }
            System.out.printf(
                    "batch %d, %d runs, ORT threads %d: MiniLM median %.1f ms (min %.1f) = %.2f ms/window;"
                            + " Silero VAD (1 s windows) median %.1f ms (min %.1f) = %.2f"
                            + " ms/window%n",
                    batch,
                    repeats,
                    threads,
                    median(text),
                    Arrays.stream(text).min().orElse(0),
                    median(text) / batch,
                    median(audio),
                    Arrays.stream(audio).min().orElse(0),
                    median(audio) / batch);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
