package io.avfuse.jobs.train;

import io.avfuse.connectors.ingest.IngestCommand;
import io.avfuse.connectors.kafka.TopicNames;
import io.avfuse.connectors.synth.GenerateCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import picocli.CommandLine;

/**
 * The pieces a run on one machine shares: the benchmark generator and the ingest tool called
 * in-process, the aligner settings of recorded and live windows, and a loopback MiniCluster. Used
 * by {@code avfuse demo}, {@code train} and {@code evaluate}.
 */
public final class LocalPipeline {
    private LocalPipeline() {}

    /**
     * Aligner settings of both the training recording and the live job, so that a model sees the
     * same kind of windows in both. Captions and metadata are valid for their own window only. The
     * ingest publishes in order, so text needs no out-of-orderness, and 50 ms of tolerance lets the
     * caption 100 ms into the next window close a window (Flink's watermark is 1 ms behind the
     * newest record).
     */
    public static List<String> alignOptions() {
        return List.of(
                "align.text-ttl=0s",
                "align.metadata-ttl=1s",
                "align.tolerance.video=50ms",
                "align.tolerance.audio=50ms",
                "align.tolerance.text=0s",
                "align.tolerance.metadata=0s",
                "watermarks.out-of-orderness.text=0s",
                "watermarks.idleness=2s",
                "align.idle-flush=1s");
    }

    /** Options every demo job shares: the aligner settings, the broker, its group and topics. */
    public static List<String> jobOptions(String bootstrap, String group, TopicNames topics) {
        List<String> options = new ArrayList<>(alignOptions());
        options.addAll(
                List.of(
                        "kafka.bootstrap-servers=" + bootstrap,
                        "kafka.group-id=" + group,
                        "topics.video=" + topics.videoFrames(),
                        "topics.audio=" + topics.audioChunks(),
                        "topics.text=" + topics.textEvents(),
                        "topics.deadletter=" + topics.deadLetter()));
        return options;
    }

    /**
     * A MiniCluster whose every server (REST endpoint and web UI, blob server) listens on 127.0.0.1
     * only.
     */
    public static Configuration loopbackCluster(int port) {
        Configuration conf = io.avfuse.jobs.job.AlignJob.loopbackOnly(new Configuration());
        conf.set(RestOptions.BIND_PORT, Integer.toString(port));
        conf.set(RestOptions.PORT, port);
        return conf;
    }

    /** Whole seconds, so that window i of a clip is [anchor + i s, anchor + (i+1) s). */
    public static long nextWholeSecondUs() {
        long nowMs = System.currentTimeMillis();
        return (nowMs / 1000 + 1) * 1_000_000L;
    }

    /** Runs {@code avfuse generate}; returns its output (the Bayes bounds). */
    public static String generate(Path dir, int clips, int windows, long seed) {
        StringWriter text = new StringWriter();
        CommandLine cli = GenerateCommand.commandLine();
        cli.setOut(new PrintWriter(text));
        cli.setErr(new PrintWriter(text));
        int rc =
                cli.execute(
                        "--out",
                        dir.toString(),
                        "--clips",
                        Integer.toString(clips),
                        "--windows",
                        Integer.toString(windows),
                        "--seed",
                        Long.toString(seed));
        if (rc != 0) {
            throw new IllegalStateException("avfuse generate failed: " + text);
        }
        return text.toString();
    }

    /** Runs {@code avfuse ingest}; returns its summary lines. */
    public static String ingest(
            String bootstrap,
            TopicNames topics,
            long anchorUs,
            List<String> flags,
            Path... inputs) {
        List<String> args = new ArrayList<>();
        args.addAll(
                List.of(
                        "--bootstrap-servers",
                        bootstrap,
                        "--video-topic",
                        topics.videoFrames(),
                        "--audio-topic",
                        topics.audioChunks(),
                        "--text-topic",
                        topics.textEvents(),
                        "--start-time",
                        Instant.ofEpochMilli(anchorUs / 1000).toString(),
                        "--progress",
                        "never"));
        args.addAll(flags);
        for (Path p : inputs) {
            args.add(p.toString());
        }
        StringWriter text = new StringWriter();
        CommandLine cli = IngestCommand.commandLine();
        cli.setOut(new PrintWriter(text));
        cli.setErr(new PrintWriter(text));
        int rc = cli.execute(args.toArray(String[]::new));
        if (rc != 0) {
            throw new IllegalStateException("avfuse ingest failed (" + rc + "): " + text);
        }
        return text.toString();
    }
}
