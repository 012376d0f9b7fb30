package io.avfuse.jobs.bench.jmh;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.jobs.align.AlignFixtures;
import io.avfuse.jobs.align.AlignerConfig;
import io.avfuse.jobs.align.ModalityEvent;
import io.avfuse.jobs.align.PendingWindow;
import io.avfuse.jobs.align.PendingWindowSerializer;
import io.avfuse.jobs.align.StreamAligner;
import io.avfuse.jobs.encode.AudioPreprocessor;
import io.avfuse.jobs.encode.FramePreprocessor;
import io.avfuse.jobs.encode.LogMelSpectrogram;
import io.avfuse.jobs.encode.MetadataPreprocessor;
import io.avfuse.jobs.model.FusionInferenceTest;
import io.avfuse.jobs.model.TensorBuffers;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.VideoFrame;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.formats.avro.typeutils.AvroSerializer;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH, operator-level pieces of the P1 path (issue 9), on P1's record shapes: 16x16 GRAY8 frames,
 * 20 ms chunks of 16 kHz mono F32 audio, 1 s windows of 4 frames. Microseconds per operation; what
 * one window costs is the per-record figure times 25 frames and 50 chunks. Not a test and not run
 * by {@code ./mvnw verify}; run by hand (docs/benchmarks.md):
 *
 * <p>{@code java -cp "flink-jobs/target/test-classes:flink-jobs/target/classes:$(cat
 * flink-jobs/target/bench-classpath.txt)" org.openjdk.jmh.Main OperatorBenchmarks -f 1 -wi 3 -i 5}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.avfuse.schemas",
            "-Dai.djl.offline=true",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED"
        })
@State(Scope.Thread)
public class OperatorBenchmarks {
    private final AvroSerde<AudioChunk> audioSerde =
            AvroSerde.of(RecordType.AUDIO_CHUNK, WireFormat.SINGLE_OBJECT);
    private final AvroSerde<VideoFrame> videoSerde =
            AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT);
    private AudioChunk chunk;
    private byte[] chunkBytes;
    private VideoFrame frame;
    private byte[] frameBytes;
    private ModalityEvent chunkEvent;
    private TypeSerializer<ModalityEvent> eventSerializer;
    private TypeSerializer<ModalityEvent> pojoEventSerializer;
    private PendingWindow pending;
    private TypeSerializer<PendingWindow> pendingSerializer;
    private TypeSerializer<PendingWindow> pojoPendingSerializer;
    private final CheckpointBytes checkpointBytes = new CheckpointBytes();
    private final org.apache.flink.core.memory.DataOutputViewStreamWrapper checkpointStream =
            new org.apache.flink.core.memory.DataOutputViewStreamWrapper(checkpointBytes);
    private final DataOutputSerializer out = new DataOutputSerializer(4096);
    private final DataInputDeserializer in = new DataInputDeserializer();
    private AlignedWindow window;
    private AvroSerializer<AlignedWindow> windowSerializer;
    private final AudioPreprocessor audio = new AudioPreprocessor(16_000, 1_000_000);
    private final FramePreprocessor frames = new FramePreprocessor(4, 16, 16);
    private NDManager manager;
    private final MetadataPreprocessor metadata = new MetadataPreprocessor(List.of("speed"), 100f);
    private final TensorBuffers kept = new TensorBuffers();
    private final List<AlignedWindow> batch = new java.util.ArrayList<>();
    private LogMelSpectrogram mel;
    private float[][] batchAudio;
    private KeyedOneInputStreamOperatorTestHarness<String, ModalityEvent, AlignedWindow> aligner;
    private List<ModalityEvent> oneSecond;
    private long second;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        chunk = AlignFixtures.chunk("cam-0", 7);
        chunkBytes = audioSerde.encode(chunk);
        frame = AlignFixtures.frame("cam-0", 7);
        frameBytes = videoSerde.encode(frame);
        chunkEvent = ModalityEvent.of(chunk);
        eventSerializer =
                TypeInformation.of(ModalityEvent.class)
                        .createSerializer(new SerializerConfigImpl());
        pojoEventSerializer =
                new PojoSerializer<>(
                        ModalityEvent.class,
                        new TypeSerializer<?>[] {
                            new AvroSerializer<>(AudioChunk.class),
                            new AvroSerializer<>(io.avfuse.schemas.TextEvent.class),
                            new AvroSerializer<>(VideoFrame.class)
                        },
                        new java.lang.reflect.Field[] {
                            ModalityEvent.class.getField("audio"),
                            ModalityEvent.class.getField("text"),
                            ModalityEvent.class.getField("video")
                        },
                        new SerializerConfigImpl());
        pending = AlignFixtures.pendingWindow("cam-0");
        pendingSerializer = new PendingWindowSerializer();
        pojoPendingSerializer =
                TypeInformation.of(PendingWindow.class)
                        .createSerializer(new SerializerConfigImpl());
        window = FusionInferenceTest.window("cam-0", 1, true, true, true);
        for (int i = 0; i < 32; i++) {
            batch.add(FusionInferenceTest.window("cam-" + i, i, true, true, true));
        }
        windowSerializer = new AvroSerializer<>(AlignedWindow.class);
        manager = NDManager.newBaseManager("PyTorch");
        mel = new LogMelSpectrogram(LogMelSpectrogram.Params.DEFAULT);
        batchAudio = new float[32][];
        for (int i = 0; i < batchAudio.length; i++) {
            batchAudio[i] = audio.apply(window.getAudio()).samples();
        }
        aligner =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new StreamAligner(AlignerConfig.defaults())),
                        ModalityEvent::streamId,
                        Types.STRING);
        aligner.open();
        oneSecond = AlignFixtures.av("cam-0", 0, 1_000_000L);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        aligner.close();
        manager.close();
    }

    /** Source: one 20 ms audio chunk from its Kafka bytes. */
    @Benchmark
    public AudioChunk decodeAudioChunk() throws Exception {
        return audioSerde.decode(chunkBytes);
    }

    /** Source: one video frame from its Kafka bytes. */
    @Benchmark
    public VideoFrame decodeVideoFrame() throws Exception {
        return videoSerde.decode(frameBytes);
    }

    /** Sink side of the serde: one audio chunk to bytes. */
    @Benchmark
    public byte[] encodeAudioChunk() {
        return audioSerde.encode(chunk);
    }

    /** The keyBy before the aligner: one event through Flink's serializer and back. */
    @Benchmark
    public ModalityEvent networkRoundTripAudioEvent() throws Exception {
        out.clear();
        eventSerializer.serialize(chunkEvent, out);
        in.setBuffer(out.getSharedBuffer(), 0, out.length());
        return eventSerializer.deserialize(in);
    }

    /**
     * {@link #networkRoundTripAudioEvent} through Flink's POJO serializer, as before issue 9's
     * third round.
     */
    @Benchmark
    public ModalityEvent networkRoundTripAudioEventPojo() throws Exception {
        out.clear();
        pojoEventSerializer.serialize(chunkEvent, out);
        in.setBuffer(out.getSharedBuffer(), 0, out.length());
        return pojoEventSerializer.deserialize(in);
    }

    /**
     * Copy-on-write of one pending window (25 frames, 1 s of audio): what the heap backend does to
     * each of a stream's pending windows on its first access after a checkpoint.
     */
    @Benchmark
    public PendingWindow copyPendingWindow() {
        return pendingSerializer.copy(pending);
    }

    /** {@link #copyPendingWindow} with Flink's POJO serializer, as before issue 9's third round. */
    @Benchmark
    public PendingWindow copyPendingWindowPojo() {
        return pojoPendingSerializer.copy(pending);
    }

    /**
     * One pending window written into a checkpoint stream: a {@code DataOutputStream} over a
     * buffered stream, as Flink's heap snapshot writes to {@code FsCheckpointStateOutputStream}.
     */
    @Benchmark
    public int writePendingWindow() throws Exception {
        checkpointBytes.reset();
        pendingSerializer.serialize(pending, checkpointStream);
        return checkpointBytes.size();
    }

    /** {@link #writePendingWindow} with Flink's POJO serializer, as before. */
    @Benchmark
    public int writePendingWindowPojo() throws Exception {
        checkpointBytes.reset();
        pojoPendingSerializer.serialize(pending, checkpointStream);
        return checkpointBytes.size();
    }

    /** An unsynchronized in-memory stream, like the checkpoint stream's own write buffer. */
    private static final class CheckpointBytes extends java.io.OutputStream {
        private byte[] buf = new byte[128 * 1024];
        private int size;

        @Override
        public void write(int b) {
            buf[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            System.arraycopy(b, off, buf, size, len);
            size += len;
        }

        void reset() {
            size = 0;
        }

        int size() {
            return size;
        }
    }

    /** What object reuse saves per window between the aligner and inference: Flink's deep copy. */
    @Benchmark
    public AlignedWindow copyAlignedWindow() {
        return windowSerializer.copy(window);
    }

    /** Inference preprocessing, per window: audio to the log-mel input. */
    @Benchmark
    public float[] audioPreprocessor() {
        return audio.apply(window.getAudio()).samples();
    }

    /** Inference preprocessing, per window: 4 frames to the model's pixels. */
    @Benchmark
    public float[] framePreprocessor() {
        return frames.apply(window.getFrames()).pixels();
    }

    /**
     * A batch of 32 windows' frames, audio and metadata into the model's kept input buffers, as
     * {@code WindowBatch} does since the fourth round: the preprocessors write in place. Ends with
     * the three tensors wrapped and closed. Beside {@link #batchInputsCopiedFromArrays}.
     */
    @Benchmark
    public long batchInputsWrittenInPlace() {
        FloatBuffer pixels = kept.floats(0, 32 * 4 * 3 * 16 * 16);
        FloatBuffer mask = kept.floats(1, 32 * 4);
        FloatBuffer wave = kept.floats(2, 32 * audio.length());
        FloatBuffer meta = kept.floats(3, 32 * metadata.size());
        for (AlignedWindow w : batch) {
            frames.writeInto(w.getFrames(), pixels, mask);
            audio.writeInto(w.getAudio(), wave);
            metadata.writeInto(w.getMetadata(), meta);
        }
        return wrapped();
    }

    /** The same as the third round did it: an array per window from each preprocessor, copied. */
    @Benchmark
    public long batchInputsCopiedFromArrays() {
        FloatBuffer pixels = kept.floats(0, 32 * 4 * 3 * 16 * 16);
        FloatBuffer mask = kept.floats(1, 32 * 4);
        float[][] mono = new float[32][];
        float[][] meta = new float[32][];
        for (int i = 0; i < 32; i++) {
            AlignedWindow w = batch.get(i);
            FramePreprocessor.Result f = frames.apply(w.getFrames());
            pixels.put(f.pixels());
            mask.put(f.mask());
            mono[i] = audio.apply(w.getAudio()).samples();
            meta[i] = metadata.apply(w.getMetadata());
        }
        FloatBuffer wave = kept.floats(2, 32 * audio.length());
        for (float[] m : mono) {
            wave.put(m);
        }
        FloatBuffer metaBuffer = kept.floats(3, 32 * metadata.size());
        for (float[] m : meta) {
            metaBuffer.put(m);
        }
        return wrapped();
    }

    private long wrapped() {
        try (NDManager m = manager.newSubManager()) {
            return kept.tensor(m, 0, new Shape(32, 4, 3, 16, 16)).size()
                    + kept.tensor(m, 1, new Shape(32, 4)).size()
                    + kept.tensor(m, 2, new Shape(32, audio.length())).size()
                    + kept.tensor(m, 3, new Shape(32, metadata.size())).size();
        }
    }

    /** Log-mel of a batch of 32 windows on the engine (what one model call's audio costs). */
    @Benchmark
    public float[] logMelBatch32() {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = mel.compute(m.create(batchAudio));
            return x.toFloatArray();
        }
    }

    /**
     * The aligner, per window: one stream's second of 25 frames and 50 chunks, then its window.
     * Includes the test harness's copy of the emitted window (the cost of {@link
     * #copyAlignedWindow}, for 8 frames instead of 4).
     */
    @Benchmark
    public int alignerOneWindow() throws Exception {
        long shiftUs = second * 1_000_000L;
        for (ModalityEvent t : oneSecond) {
            // New records around the template's payload, as a source would deliver them.
            ModalityEvent e =
                    t.video != null
                            ? ModalityEvent.of(
                                    VideoFrame.newBuilder()
                                            .setStreamId(t.video.getStreamId())
                                            .setFrameIndex(t.video.getFrameIndex())
                                            .setEventTimeUs(t.video.getEventTimeUs() + shiftUs)
                                            .setWidth(t.video.getWidth())
                                            .setHeight(t.video.getHeight())
                                            .setEncoding(t.video.getEncoding())
                                            .setData(t.video.getData())
                                            .build())
                            : ModalityEvent.of(
                                    AudioChunk.newBuilder()
                                            .setStreamId(t.audio.getStreamId())
                                            .setChunkIndex(t.audio.getChunkIndex())
                                            .setStartTimeUs(t.audio.getStartTimeUs() + shiftUs)
                                            .setSampleRate(t.audio.getSampleRate())
                                            .setChannels(t.audio.getChannels())
                                            .setSampleFormat(t.audio.getSampleFormat())
                                            .setSamples(t.audio.getSamples())
                                            .build());
            aligner.processElement(new StreamRecord<>(e, e.eventTimeUs() / 1000));
        }
        second++;
        aligner.processWatermark(AlignFixtures.wm(second * 1_000_000L + 1_000_000L));
        int n = aligner.getOutput().size();
        aligner.getOutput().clear();
        return n;
    }
}
