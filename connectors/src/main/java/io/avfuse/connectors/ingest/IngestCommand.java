package io.avfuse.connectors.ingest;

import io.avfuse.connectors.kafka.KafkaConnection;
import io.avfuse.connectors.kafka.TopicNames;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.schemas.FrameEncoding;
import io.avfuse.schemas.SampleFormat;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.ffmpeg.global.avutil;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code avfuse ingest}: reads media with JavaCV/FFmpeg and publishes {@code VideoFrame}s, {@code
 * AudioChunk}s and {@code TextEvent}s to the three avfuse topics, one stream id per input.
 *
 * <p>{@code avfuse ingest --bootstrap-servers 127.0.0.1:9092 --fps 5 --width 320 movie.mp4}
 */
@Command(
        name = "ingest",
        mixinStandardHelpOptions = true,
        version = "avfuse ingest 0.1.0",
        sortOptions = false,
        description = {
            "Reads media with FFmpeg (files, URLs such as rtsp:// or http://, capture devices via"
                    + " --format, lavfi graphs as lavfi:GRAPH) and publishes video frames, audio"
                    + " chunks and text events for one stream id per input.",
            "Event time = --start-time + the media's timestamps. Sidecar NAME.srt / NAME.vtt and"
                    + " NAME.meta.jsonl / NAME.jsonl next to an input are read too.",
            "A progress bar goes to stderr, a summary line per stream to stdout."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:unreadable or unsuitable input",
            "2:bad options",
            "3:Kafka failure or a record too large"
        })
public final class IngestCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Parameters(
            arity = "1..*",
            paramLabel = "INPUT",
            description = "Files, URLs, devices or lavfi:GRAPH; each becomes one stream.")
    List<String> inputs;

    @Option(
            names = "--stream-id",
            paramLabel = "ID",
            description = "Stream id per input, in order (default: the file name).")
    List<String> streamIds = new ArrayList<>();

    @Option(
            names = {"-b", "--bootstrap-servers"},
            paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:9092",
            description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(
            names = "--kafka-config",
            paramLabel = "FILE",
            description =
                    "Kafka client properties file (security.protocol, sasl.*, ssl.*...); default:"
                            + " the file $AVFUSE_KAFKA_CONFIG names.")
    Path kafkaConfig;

    @Option(
            names = "--kafka-property",
            paramLabel = "KEY=VALUE",
            description =
                    "Producer property passed through (max.request.size...); wins over"
                            + " --kafka-config. Keep secrets in the file, not here.")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(
            names = "--wire-format",
            paramLabel = "FORMAT",
            defaultValue = "single-object",
            description = "single-object (default) or confluent.")
    String wireFormat;

    @Option(names = "--video-topic", paramLabel = "TOPIC")
    String videoTopic = TopicNames.defaults().videoFrames();

    @Option(names = "--audio-topic", paramLabel = "TOPIC")
    String audioTopic = TopicNames.defaults().audioChunks();

    @Option(names = "--text-topic", paramLabel = "TOPIC")
    String textTopic = TopicNames.defaults().textEvents();

    @Option(
            names = "--dry-run",
            description = "Decode and encode everything but publish nothing (no Kafka needed).")
    boolean dryRun;

    @Option(
            names = "--format",
            paramLabel = "FMT",
            description = "FFmpeg input format, e.g. v4l2 for /dev/video0, lavfi, rtsp.")
    String format;

    @Option(
            names = "--input-option",
            paramLabel = "KEY=VALUE",
            description = "FFmpeg demuxer/protocol option, e.g. rtsp_transport=tcp.")
    Map<String, String> inputOptions = new LinkedHashMap<>();

    @Option(
            names = "--fps",
            paramLabel = "FPS",
            defaultValue = "0",
            description = "Sample video down to this frame rate (default: every frame).")
    double fps;

    @Option(names = "--width", paramLabel = "PX", defaultValue = "0", description = "Resize.")
    int width;

    @Option(names = "--height", paramLabel = "PX", defaultValue = "0", description = "Resize.")
    int height;

    @Option(
            names = "--encoding",
            paramLabel = "ENC",
            defaultValue = "jpeg",
            description = "jpeg (default) or rgb (raw RGB24).")
    String encoding;

    @Option(
            names = "--jpeg-quality",
            paramLabel = "Q",
            defaultValue = "5",
            description = "JPEG qscale, 2 (best) to 31 (smallest), as ffmpeg -q:v (default: 5).")
    int jpegQuality;

    @Option(
            names = "--jpeg-huffman",
            paramLabel = "TABLES",
            defaultValue = "default",
            description =
                    "JPEG Huffman tables: default (the standard tables, one pass; faster) or"
                            + " optimal (fitted per frame, a second pass; about 9% smaller"
                            + " frames). Same pixels either way (default: ${DEFAULT-VALUE}).")
    String jpegHuffman;

    @Option(
            names = "--encode-threads",
            paramLabel = "N",
            description = "JPEG encoding threads per input (default: the number of CPUs).")
    int encodeThreads = Runtime.getRuntime().availableProcessors();

    @Option(
            names = "--decode-threads",
            paramLabel = "N",
            defaultValue = "0",
            description = "Video decoder threads per input; 0 (default) lets FFmpeg choose.")
    int decodeThreads;

    @Option(
            names = "--sample-rate",
            paramLabel = "HZ",
            defaultValue = "16000",
            description = "Audio output rate (default: ${DEFAULT-VALUE}).")
    int sampleRate;

    @Option(
            names = "--channels",
            paramLabel = "N",
            defaultValue = "1",
            description = "Audio output channels (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(
            names = "--sample-format",
            paramLabel = "FMT",
            defaultValue = "s16le",
            description = "s16le (default) or f32le.")
    String sampleFormat;

    @Option(
            names = "--chunk-ms",
            paramLabel = "MS",
            defaultValue = "100",
            description = "Audio chunk length in ms (default: ${DEFAULT-VALUE}).")
    int chunkMillis;

    @Option(names = "--no-video", description = "Ingest no video.")
    boolean noVideo;

    @Option(names = "--no-audio", description = "Ingest no audio.")
    boolean noAudio;

    @Option(names = "--no-text", description = "Ingest no subtitles or metadata.")
    boolean noText;

    @Option(
            names = "--subtitles",
            paramLabel = "FILE",
            description = "SRT or WebVTT sidecar (one input only).")
    Path subtitles;

    @Option(
            names = "--metadata",
            paramLabel = "FILE",
            description =
                    "JSONL metadata: {\"t\": s, \"duration\": s, \"text\": ..., \"features\":"
                            + " {name: number}} (one input only).")
    Path metadata;

    @Option(
            names = "--start-time",
            paramLabel = "INSTANT",
            defaultValue = "now",
            description = "Event time of media time 0: now (default) or ISO-8601.")
    String startTime;

    @Option(
            names = "--pace",
            paramLabel = "MODE",
            defaultValue = "fast",
            description = "fast (default: as fast as possible) or realtime (as a live source).")
    String pace;

    @Option(names = "--loop", description = "Repeat each input until Ctrl-C.")
    boolean loop;

    @Option(
            names = "--loops",
            paramLabel = "N",
            defaultValue = "1",
            description = "Play each input N times (default: ${DEFAULT-VALUE}).")
    int passes;

    @Option(
            names = "--duration",
            paramLabel = "SECONDS",
            defaultValue = "0",
            description = "Stop each input after this much media time (for endless sources).")
    double durationSeconds;

    @Option(
            names = "--progress",
            paramLabel = "WHEN",
            defaultValue = "auto",
            description = "Progress bar on stderr: auto (when on a terminal), always, never.")
    String progress;

    @Option(
            names = "--ffmpeg-log-level",
            paramLabel = "LEVEL",
            defaultValue = "quiet",
            description = "FFmpeg's own log: quiet (default), error, warning, info.")
    String ffmpegLogLevel;

    private static final long STOP_GRACE_SECONDS = 15;

    private final AtomicBoolean stop = new AtomicBoolean();

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new IngestCommand());
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        IngestSettings settings = settings();
        List<String> ids = streamIds();
        avutil.av_log_set_level(logLevel());
        CountDownLatch finished = new CountDownLatch(1);
        // Ctrl-C: stop reading, then give the ingest threads time to publish and flush what they
        // have before the JVM exits.
        Thread hook =
                new Thread(
                        () -> {
                            stop.set(true);
                            try {
                                finished.await(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "avfuse-ingest-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        List<MediaSource> sources = new ArrayList<>();
        try (RecordSink sink = sink()) {
            List<StreamIngest> ingests = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                MediaSource source = MediaSource.open(sourceSpec(inputs.get(i)));
                sources.add(source);
                if (!source.hasAudio() && !noAudio && !source.inputHasAudio()) {
                    err.println(
                            "avfuse ingest: warning: '"
                                    + inputs.get(i)
                                    + "' has no audio track; ingesting video only");
                    err.flush();
                }
                ingests.add(
                        new StreamIngest(
                                ids.get(i),
                                source,
                                texts(inputs.get(i), source),
                                settings,
                                sink,
                                stop));
            }
            runAll(ingests, sources, settings, out);
            return 0;
        } catch (IngestException e) {
            err.println("avfuse ingest: " + e.getMessage());
            err.flush();
            return e.exitCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        } finally {
            sources.forEach(MediaSource::close);
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException exiting) {
                // the JVM is shutting down: the hook has run
            }
        }
    }

    private void runAll(
            List<StreamIngest> ingests,
            List<MediaSource> sources,
            IngestSettings settings,
            PrintWriter out)
            throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(ingests.size());
        List<Future<IngestStats>> results = new ArrayList<>();
        List<ProgressDisplay> bars = new ArrayList<>();
        try {
            for (int i = 0; i < ingests.size(); i++) {
                StreamIngest ingest = ingests.get(i);
                long total =
                        settings.passes() == 1 && settings.fps() <= 0
                                ? sources.get(i).lengthInVideoFrames()
                                : 0;
                ProgressDisplay bar =
                        showProgress()
                                ? ProgressDisplay.on(System.err, ingest.stats().streamId(), total)
                                : ProgressDisplay.none();
                bars.add(bar);
                results.add(
                        pool.submit(
                                () -> {
                                    try {
                                        return ingest.run(bar);
                                    } catch (Throwable t) {
                                        // Stop the other streams now: an endless input (--loop,
                                        // a camera) would otherwise hide this failure forever.
                                        stop.set(true);
                                        throw t;
                                    }
                                }));
            }
            IngestException first = null;
            for (Future<IngestStats> result : results) {
                try {
                    result.get();
                } catch (ExecutionException e) {
                    stop.set(true);
                    if (first == null) {
                        first = asIngestException(e.getCause());
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        } finally {
            stop.set(true);
            bars.forEach(ProgressDisplay::close);
            pool.shutdownNow();
            pool.awaitTermination(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
        }
        for (StreamIngest ingest : ingests) {
            out.println(ingest.stats().summary(settings.encoding().name()));
        }
        out.flush();
    }

    private static IngestException asIngestException(Throwable cause) {
        if (cause instanceof IngestException e) {
            return e;
        }
        return new IngestException(
                IngestException.INPUT,
                "unexpected " + cause.getClass().getSimpleName() + ": " + cause.getMessage(),
                cause);
    }

    private boolean showProgress() {
        return switch (progress) {
            case "always" -> true;
            case "never" -> false;
            default -> System.console() != null;
        };
    }

    private RecordSink sink() {
        if (dryRun) {
            return new CountingSink(false);
        }
        KafkaConnection connection;
        try {
            connection =
                    KafkaConnection.to(bootstrapServers).withConfigFileOrEnvironment(kafkaConfig);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        for (Map.Entry<String, String> e : kafkaProperties.entrySet()) {
            connection = connection.with(e.getKey(), e.getValue());
        }
        WireFormat wire =
                switch (wireFormat.toLowerCase(Locale.ROOT)) {
                    case "single-object", "single_object" -> WireFormat.SINGLE_OBJECT;
                    case "confluent" -> WireFormat.CONFLUENT;
                    default -> throw bad("--wire-format must be single-object or confluent");
                };
        try {
            return new KafkaRecordSink(connection, wire, videoTopic, audioTopic, textTopic);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new IngestException(
                    IngestException.PUBLISH,
                    "cannot create the Kafka producer: " + e.getMessage(),
                    e);
        }
    }

    IngestSettings settings() {
        FrameEncoding frameEncoding =
                switch (encoding.toLowerCase(Locale.ROOT)) {
                    case "jpeg", "jpg" -> FrameEncoding.JPEG;
                    case "rgb", "rgb24" -> FrameEncoding.RGB24;
                    default -> throw bad("--encoding must be jpeg or rgb, got " + encoding);
                };
        JpegEncoder.Huffman huffman =
                switch (jpegHuffman.toLowerCase(Locale.ROOT)) {
                    case "default" -> JpegEncoder.Huffman.DEFAULT;
                    case "optimal" -> JpegEncoder.Huffman.OPTIMAL;
                    default ->
                            throw bad(
                                    "--jpeg-huffman must be default or optimal, got "
                                            + jpegHuffman);
                };
        SampleFormat samples =
                switch (sampleFormat.toLowerCase(Locale.ROOT)) {
                    case "s16le" -> SampleFormat.S16LE;
                    case "f32le" -> SampleFormat.F32LE;
                    default -> throw bad("--sample-format must be s16le or f32le");
                };
        if (jpegQuality < 2 || jpegQuality > 31) {
            throw bad("--jpeg-quality must be 2..31, got " + jpegQuality);
        }
        if (sampleRate < 1000 || sampleRate > 384_000) {
            throw bad("--sample-rate must be 1000..384000, got " + sampleRate);
        }
        if (channels < 1 || channels > 32) {
            throw bad("--channels must be 1..32, got " + channels);
        }
        if (encodeThreads < 1 || encodeThreads > 64) {
            throw bad("--encode-threads must be 1..64, got " + encodeThreads);
        }
        if (decodeThreads < 0 || decodeThreads > 64) {
            throw bad("--decode-threads must be 0 (FFmpeg's choice) to 64, got " + decodeThreads);
        }
        if (chunkMillis < 1 || chunkMillis > 60_000) {
            throw bad("--chunk-ms must be 1..60000, got " + chunkMillis);
        }
        if (fps < 0 || width < 0 || height < 0 || durationSeconds < 0) {
            throw bad("--fps, --width, --height and --duration must not be negative");
        }
        if (passes < 1) {
            throw bad("--loops must be at least 1, got " + passes);
        }
        if (noVideo && noAudio) {
            throw bad("--no-video and --no-audio together leave nothing to ingest");
        }
        if (!pace.equals("fast") && !pace.equals("realtime")) {
            throw bad("--pace must be fast or realtime, got " + pace);
        }
        if ((subtitles != null || metadata != null) && inputs.size() != 1) {
            throw bad("--subtitles and --metadata need exactly one input");
        }
        return new IngestSettings(
                fps,
                frameEncoding,
                jpegQuality,
                huffman,
                encodeThreads,
                sampleRate,
                channels,
                samples,
                chunkMillis,
                anchorUs(),
                pace.equals("realtime"),
                loop ? 0 : passes,
                Math.round(durationSeconds * 1e6));
    }

    private long anchorUs() {
        Instant anchor;
        if (startTime.equals("now")) {
            anchor = Instant.now();
        } else {
            try {
                anchor = Instant.parse(startTime);
            } catch (DateTimeParseException e) {
                throw bad("--start-time must be now or an ISO-8601 instant, got " + startTime);
            }
        }
        if (anchor.isBefore(Instant.parse("2000-01-01T00:00:00Z"))
                || anchor.isAfter(Instant.parse("2099-01-01T00:00:00Z"))) {
            throw bad("--start-time must lie between 2000 and 2099");
        }
        return anchor.getEpochSecond() * 1_000_000L + anchor.getNano() / 1000;
    }

    private List<String> streamIds() {
        if (!streamIds.isEmpty()) {
            if (streamIds.size() != inputs.size()) {
                throw bad(
                        "give one --stream-id per input ("
                                + inputs.size()
                                + " inputs, "
                                + streamIds.size()
                                + " ids)");
            }
            if (new LinkedHashSet<>(streamIds).size() != streamIds.size()) {
                throw bad("--stream-id values must differ");
            }
            return streamIds;
        }
        Set<String> used = new LinkedHashSet<>();
        List<String> ids = new ArrayList<>();
        for (String input : inputs) {
            String base = defaultStreamId(input);
            String id = base;
            for (int n = 2; !used.add(id); n++) {
                id = base + "-" + n;
            }
            ids.add(id);
        }
        return ids;
    }

    static String defaultStreamId(String input) {
        String name = input.startsWith("lavfi:") ? "lavfi" : input;
        name = name.replaceAll("[?#].*$", "");
        name = name.substring(name.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        if (dot > 0) {
            name = name.substring(0, dot);
        }
        name = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return name.isEmpty() ? "stream" : name;
    }

    MediaSource.Spec sourceSpec(String input) {
        return new MediaSource.Spec(
                input,
                format,
                inputOptions,
                !noVideo,
                !noAudio,
                !encoding.toLowerCase(Locale.ROOT).startsWith("rgb"),
                width,
                height,
                sampleRate,
                channels,
                decodeThreads);
    }

    /** Sidecars and embedded subtitles of one input, on its media clock. */
    private List<TimedText> texts(String input, MediaSource source) {
        List<TimedText> texts = new ArrayList<>();
        if (noText) {
            return texts;
        }
        Path local = localFile(input);
        Path subtitleFile = subtitles != null ? subtitles : sidecar(local, ".srt", ".vtt");
        Path metadataFile = metadata != null ? metadata : sidecar(local, ".meta.jsonl", ".jsonl");
        if (subtitleFile != null) {
            texts.addAll(SubtitleFile.read(subtitleFile));
        }
        if (metadataFile != null) {
            texts.addAll(MetadataFile.read(metadataFile));
        }
        if (local != null && subtitleFile == null && source.hasSubtitleStreams()) {
            texts.addAll(EmbeddedSubtitles.read(local.toString()));
        }
        return texts;
    }

    private Path localFile(String input) {
        if (format != null || input.startsWith("lavfi:")) {
            return null;
        }
        if (input.contains("://") && !input.startsWith("file://")) {
            return null;
        }
        Path path = Path.of(input.startsWith("file://") ? input.substring(7) : input);
        return Files.isRegularFile(path) ? path : null;
    }

    private static Path sidecar(Path media, String... extensions) {
        if (media == null) {
            return null;
        }
        String name = media.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        for (String extension : extensions) {
            Path candidate = media.resolveSibling(base + extension);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private int logLevel() {
        return switch (ffmpegLogLevel) {
            case "quiet" -> avutil.AV_LOG_QUIET;
            case "error" -> avutil.AV_LOG_ERROR;
            case "warning" -> avutil.AV_LOG_WARNING;
            case "info" -> avutil.AV_LOG_INFO;
            default -> throw bad("--ffmpeg-log-level must be quiet, error, warning or info");
        };
    }

    private ParameterException bad(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** For tests and the benchmark: stderr as a stream. */
    static PrintStream stderr() {
        return System.err;
    }
}
