package io.avfuse.connectors.ingest;

import io.avfuse.connectors.broker.KafkaBroker;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ingest speed against FFmpeg's own decode speed on the same file, in one run: {@code ffmpeg -i
 * FILE -f null -} (decode only; its {@code -benchmark} rtime excludes process start), ingest with
 * {@code --dry-run} (decode + JPEG, no Kafka) and ingest to a real local broker (decode + JPEG +
 * Avro + publish with acks=all), alternating, after one warm-up round. Prints medians and the
 * ratios; fps are source frames per second for every tool. Not a test: timings on shared machines
 * vary; {@code docs/benchmarks.md} records runs.
 *
 * <p>{@code java ... io.avfuse.connectors.ingest.IngestBenchmark FILE [ROUNDS] [ingest options]}
 *
 * <p>With {@code -Davfuse.p4.variants="--decode-threads 0;--decode-threads 1"} it is an A/B of
 * ingest options instead: each round runs ffmpeg, then a dry-run per variant (the shared options
 * plus the variant's), in an order that rotates from round to round; no Kafka, unless {@code
 * -Davfuse.p4.kafka=true}: then every variant publishes to one local broker, new topics per run.
 */
public final class IngestBenchmark {
    private static final Pattern RTIME = Pattern.compile("rtime=([0-9.]+)s");
    private static final Pattern FRAMES = Pattern.compile(": (\\d+) frames");
    private static final Pattern FRAME_BYTES = Pattern.compile("(\\d+) B per frame");

    /**
     * One in-process ingest: its wall time, the CPU time of the whole JVM meanwhile (all threads;
     * on a shared machine it moves less with the other load than wall time does) and the mean size
     * of its frames.
     */
    private record Run(double seconds, double cpuSeconds, long bytesPerFrame) {}

    private IngestBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: IngestBenchmark FILE [ROUNDS] [ingest options...]");
            System.exit(2);
        }
        String file = args[0];
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<String> options =
                args.length > 2 ? Arrays.asList(args).subList(2, args.length) : List.of();
        String variants = System.getProperty("avfuse.p4.variants");
        if (variants != null) {
            compareVariants(file, rounds, options, List.of(variants.split(";")));
            return;
        }
        int frames = frameCount(file);
        List<Double> ffmpegRtime = new ArrayList<>();
        List<Double> ffmpegWall = new ArrayList<>();
        List<Double> dryRun = new ArrayList<>();
        List<Double> kafka = new ArrayList<>();
        try (KafkaBroker broker = KafkaBroker.builder().build().start()) {
            for (int round = 0; round <= rounds; round++) {
                List<String> publish = newTopics(broker, "-bench-" + round);
                double[] ff = ffmpeg(file);
                double dry = ingest(file, frames, options, List.of("--dry-run")).seconds();
                double published = ingest(file, frames, options, publish).seconds();
                System.out.printf(
                        Locale.ROOT,
                        "%s ffmpeg rtime %.3f s (wall %.3f s), ingest dry-run %.3f s, ingest+Kafka"
                                + " %.3f s%n",
                        round == 0 ? "warm-up" : "round " + round,
                        ff[0],
                        ff[1],
                        dry,
                        published);
                if (round > 0) {
                    ffmpegRtime.add(ff[0]);
                    ffmpegWall.add(ff[1]);
                    dryRun.add(dry);
                    kafka.add(published);
                }
            }
        }
        double ffFps = frames / median(ffmpegRtime);
        double ffWallFps = frames / median(ffmpegWall);
        double dryFps = frames / median(dryRun);
        double kafkaFps = frames / median(kafka);
        System.out.printf(
                Locale.ROOT,
                "%nfile %s: %d frames, %d rounds, %d CPUs, options %s%n",
                file,
                frames,
                rounds,
                Runtime.getRuntime().availableProcessors(),
                options);
        System.out.printf(
                Locale.ROOT,
                "ffmpeg -i FILE -f null -   : %7.1f fps (median rtime; %.1f fps by process wall time)%n",
                ffFps,
                ffWallFps);
        System.out.printf(
                Locale.ROOT,
                "ingest --dry-run (no Kafka): %7.1f fps  ratio %.2f%n",
                dryFps,
                dryFps / ffFps);
        System.out.printf(
                Locale.ROOT,
                "ingest to Kafka            : %7.1f fps  ratio %.2f%n",
                kafkaFps,
                kafkaFps / ffFps);
        System.out.printf(
                Locale.ROOT,
                "RESULT|P4|ingest --dry-run fps / ffmpeg -f null decode fps|%.2f|>= 0.8"
                        + "|%.0f / %.0f fps (ingest to Kafka: ratio %.2f)%n",
                dryFps / ffFps,
                dryFps,
                ffFps,
                kafkaFps / ffFps);
    }

    /** Creates the three topics for one ingest and returns the options that publish to them. */
    private static List<String> newTopics(KafkaBroker broker, String suffix) {
        broker.createTopics(1, (short) 1, "v" + suffix, "a" + suffix, "t" + suffix);
        return List.of(
                "--bootstrap-servers", broker.bootstrapServers(),
                "--video-topic", "v" + suffix,
                "--audio-topic", "a" + suffix,
                "--text-topic", "t" + suffix);
    }

    private static int frameCount(String file) throws Exception {
        return Integer.parseInt(
                IngestFixtures.ffprobe(
                        "-select_streams v -count_packets -show_entries stream=nb_read_packets",
                        java.nio.file.Path.of(file)));
    }

    /**
     * Dry-run fps of each option variant against ffmpeg's decode fps, alternated in one run; with
     * {@code -Davfuse.p4.kafka=true} each variant publishes to a real local broker instead.
     */
    private static void compareVariants(
            String file, int rounds, List<String> options, List<String> variants) throws Exception {
        if (!Boolean.getBoolean("avfuse.p4.kafka")) {
            compareVariants(file, rounds, options, variants, null);
            return;
        }
        try (KafkaBroker broker = KafkaBroker.builder().build().start()) {
            compareVariants(file, rounds, options, variants, broker);
        }
    }

    private static void compareVariants(
            String file,
            int rounds,
            List<String> options,
            List<String> variants,
            KafkaBroker broker)
            throws Exception {
        int frames = frameCount(file);
        String mode = broker == null ? "dry-run" : "Kafka";
        List<Double> ffmpegRtime = new ArrayList<>();
        List<List<Double>> seconds = new ArrayList<>();
        variants.forEach(v -> seconds.add(new ArrayList<>()));
        List<List<Double>> cpu = new ArrayList<>();
        variants.forEach(v -> cpu.add(new ArrayList<>()));
        long[] bytesPerFrame = new long[variants.size()];
        String loadBefore = loadAverage();
        for (int round = 0; round <= rounds; round++) {
            // Topics made before ffmpeg runs: a producer that starts while a new partition's
            // leader is still being elected can stall (see the stack notes).
            List<List<String>> sinks = new ArrayList<>();
            for (int i = 0; i < variants.size(); i++) {
                sinks.add(
                        broker == null
                                ? List.of("--dry-run")
                                : newTopics(broker, "-bench-" + round + "-" + i));
            }
            double[] ff = ffmpeg(file);
            StringBuilder line =
                    new StringBuilder(
                            String.format(
                                    Locale.ROOT,
                                    "%s ffmpeg rtime %.3f s",
                                    round == 0 ? "warm-up" : "round " + round,
                                    ff[0]));
            Run[] runs = new Run[variants.size()];
            // Rotate the order so that no variant always runs right after ffmpeg.
            for (int k = 0; k < variants.size(); k++) {
                int i = (round + k) % variants.size();
                List<String> all = new ArrayList<>(options);
                all.addAll(Arrays.asList(variants.get(i).trim().split("\\s+")));
                runs[i] = ingest(file, frames, all, sinks.get(i));
                bytesPerFrame[i] = runs[i].bytesPerFrame();
            }
            for (int i = 0; i < variants.size(); i++) {
                line.append(
                        String.format(
                                Locale.ROOT,
                                ", [%s] %.3f s (CPU %.3f s)",
                                variants.get(i),
                                runs[i].seconds(),
                                runs[i].cpuSeconds()));
                if (round > 0) {
                    seconds.get(i).add(runs[i].seconds());
                    cpu.get(i).add(runs[i].cpuSeconds());
                }
            }
            if (round > 0) {
                ffmpegRtime.add(ff[0]);
            }
            System.out.println(line);
        }
        double ffFps = frames / median(ffmpegRtime);
        System.out.printf(
                Locale.ROOT,
                "%nfile %s: %d frames, %d rounds, %d CPUs, shared options %s, load average %s"
                        + " before, %s after%n",
                file,
                frames,
                rounds,
                Runtime.getRuntime().availableProcessors(),
                options,
                loadBefore,
                loadAverage());
        System.out.printf(
                Locale.ROOT, "ffmpeg -i FILE -f null -   : %7.1f fps (median rtime)%n", ffFps);
        for (int i = 0; i < variants.size(); i++) {
            double fps = frames / median(seconds.get(i));
            System.out.printf(
                    Locale.ROOT,
                    "%s [%s]: %7.1f fps  ratio %.2f  CPU %.3f s  %d B per frame%n",
                    mode,
                    variants.get(i),
                    fps,
                    fps / ffFps,
                    median(cpu.get(i)),
                    bytesPerFrame[i]);
        }
    }

    static String loadAverage() throws java.io.IOException {
        String[] parts =
                java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
        return parts[0] + " " + parts[1] + " " + parts[2];
    }

    /** {rtime, wall} seconds of {@code ffmpeg -benchmark -i FILE -f null -}. */
    private static double[] ffmpeg(String file) throws Exception {
        long start = System.nanoTime();
        Process p =
                new ProcessBuilder(
                                "ffmpeg",
                                "-nostdin",
                                "-hide_banner",
                                "-benchmark",
                                "-i",
                                file,
                                "-f",
                                "null",
                                "-")
                        .redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        double wall = (System.nanoTime() - start) / 1e9;
        Matcher m = RTIME.matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("no rtime in ffmpeg output:\n" + output);
        }
        return new double[] {Double.parseDouble(m.group(1)), wall};
    }

    /** One in-process ingest of {@code file}; checks the frame count. */
    private static Run ingest(String file, int frames, List<String> options, List<String> extra) {
        List<String> args = new ArrayList<>(extra);
        args.addAll(options);
        args.addAll(List.of("--progress", "never", "--stream-id", "bench", file));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpuStart = os.getProcessCpuTime();
        long start = System.nanoTime();
        int code =
                IngestCommand.commandLine()
                        .setOut(new PrintWriter(out))
                        .setErr(new PrintWriter(err))
                        .execute(args.toArray(String[]::new));
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (os.getProcessCpuTime() - cpuStart) / 1e9;
        Matcher m = FRAMES.matcher(out.toString());
        // Every frame must come through unless the options sample or limit them.
        boolean complete = options.contains("--fps") || options.contains("--duration");
        if (code != 0 || !m.find() || !complete && Integer.parseInt(m.group(1)) != frames) {
            throw new IllegalStateException("ingest failed (" + code + "): " + out + err);
        }
        Matcher size = FRAME_BYTES.matcher(out.toString());
        return new Run(seconds, cpuSeconds, size.find() ? Long.parseLong(size.group(1)) : 0);
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
