package io.avfuse.jobs.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.avfuse.jobs.encode.Encoders;
import io.avfuse.jobs.encode.MiniLmTextEmbedder;
import io.avfuse.jobs.encode.SileroSpeechActivity;
import io.avfuse.jobs.encode.TextEncoder;
import io.avfuse.jobs.encode.VideoEncoder;
import io.avfuse.jobs.encode.WaveformEncoder;
import io.avfuse.jobs.fuse.FusionHead;

/**
 * The whole model: four encoders into the joint space, then the fusion head.
 *
 * <p>Inputs ({@link #inputShapes}): frames {@code (B, K, 3, H, W)}, frame mask {@code (B, K)},
 * log-mel {@code (B, 1, M, T)} (or Silero VAD speech probabilities {@code (B, chunks)}, or the
 * waveform {@code (B, 1, S)}), token ids {@code (B, L)} (or MiniLM sentence embeddings {@code (B,
 * 384)}), metadata {@code (B, F)}, presence {@code (B, 4)}. The pretrained encoders run before this
 * block ({@link WindowBatch}); here only their trainable projections live. Outputs: logits {@code
 * (B, C)}, the fused embedding, then the video, audio, text and metadata embeddings, each {@code
 * (B, E)} and L2-normalised. The fused embedding is the normalised mean of the present modalities'
 * embeddings.
 */
public final class FusionModel extends AbstractBlock {
    private final ModelManifest manifest;
    private final VideoEncoder video;
    private final Block audio;
    private final Block text;
    private final SequentialBlock metadata;
    private final FusionHead head;
    private boolean encodersFrozen;

    public FusionModel(ModelManifest manifest) {
        this.manifest = manifest;
        int e = manifest.embedding();
        video =
                addChildBlock(
                        "video",
                        new VideoEncoder(e, manifest.videoPooling(), manifest.frameEncoder()));
        audio =
                addChildBlock(
                        "audio",
                        switch (manifest.audioEncoder()) {
                            case LOG_MEL -> Encoders.audio(e);
                            case SILERO_VAD -> Encoders.speechActivity(e);
                            case WAVEFORM ->
                                    WaveformEncoder.create(e, manifest.audio().sampleRate());
                        });
        text =
                addChildBlock(
                        "text",
                        switch (manifest.textEncoder()) {
                            case WORDS ->
                                    new TextEncoder(manifest.vocabulary(), manifest.maxTokens(), e);
                            case MINILM -> Encoders.sentence(e);
                        });
        metadata = addChildBlock("metadata", Encoders.metadata(e));
        head = addChildBlock("head", manifest.fusion().create(e, manifest.labels().size()));
    }

    /** Input shapes for a batch of {@code b}. */
    public static Shape[] inputShapes(ModelManifest m, int b) {
        return new Shape[] {
            new Shape(b, m.frames(), 3, m.height(), m.width()),
            new Shape(b, m.frames()),
            switch (m.audioEncoder()) {
                case LOG_MEL -> new Shape(b, 1, m.audio().nMels(), m.audioFrames());
                case SILERO_VAD -> new Shape(b, speechChunks(m));
                case WAVEFORM -> new Shape(b, 1, m.audioSamples());
            },
            switch (m.textEncoder()) {
                case WORDS -> new Shape(b, m.maxTokens());
                case MINILM -> new Shape(b, MiniLmTextEmbedder.DIMENSION);
            },
            new Shape(b, m.metadataSize()),
            new Shape(b, FusionHead.MODALITIES)
        };
    }

    /** The data type of each input in {@link #inputShapes} order. */
    public static DataType[] inputTypes(ModelManifest m) {
        DataType tokens =
                switch (m.textEncoder()) {
                    case WORDS -> DataType.INT32;
                    case MINILM -> DataType.FLOAT32;
                };
        return new DataType[] {
            DataType.FLOAT32,
            DataType.FLOAT32,
            DataType.FLOAT32,
            tokens,
            DataType.FLOAT32,
            DataType.FLOAT32
        };
    }

    /** Silero VAD chunks in one window of {@code m}. */
    static int speechChunks(ModelManifest m) {
        return SileroSpeechActivity.chunks(
                Math.toIntExact(m.windowUs() * m.audio().sampleRate() / 1_000_000L));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        NDArray presence = in.get(5);
        boolean enc = training && !encodersFrozen;
        NDArray v = video.forward(ps, new NDList(in.get(0), in.get(1)), enc).singletonOrThrow();
        NDArray a = audio.forward(ps, new NDList(in.get(2)), enc).singletonOrThrow();
        NDArray t = text.forward(ps, new NDList(in.get(3)), enc).singletonOrThrow();
        NDArray m = metadata.forward(ps, new NDList(in.get(4)), enc).singletonOrThrow();
        NDArray logits =
                head.forward(ps, new NDList(v, a, t, m, presence), training).singletonOrThrow();
        return new NDList(logits, fused(presence, v, a, t, m), v, a, t, m);
    }

    /**
     * The fused embedding: the normalised sum of the present modalities' embeddings ({@code (B, E)}
     * each, in presence order). Exported per-part models get theirs from here too.
     */
    public static NDArray fused(NDArray presence, NDArray... each) {
        NDArray sum = null;
        for (int i = 0; i < each.length; i++) {
            NDArray present =
                    presence.get(":, " + i + ":" + (i + 1)).gt(0).broadcast(each[i].getShape());
            NDArray term = NDArrays.where(present, each[i], each[i].zerosLike());
            sum = sum == null ? term : sum.add(term);
        }
        return sum.div(sum.square().sum(new int[] {1}, true).add(1e-12f).sqrt());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return outputShapes(manifest, inputShapes[0].get(0));
    }

    /** Output shapes for a batch of {@code b}: logits, then the fused and 4 modality embeddings. */
    public static Shape[] outputShapes(ModelManifest m, long b) {
        Shape e = new Shape(b, m.embedding());
        return new Shape[] {new Shape(b, m.labels().size()), e, e, e, e, e};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... s) {
        long b = s[0].get(0);
        int e = manifest.embedding();
        video.initialize(manager, dataType, s[0], s[1]);
        audio.initialize(manager, dataType, s[2]);
        text.initialize(manager, dataType, s[3]);
        metadata.initialize(manager, dataType, s[4]);
        Shape one = new Shape(b, e);
        head.initialize(manager, dataType, one, one, one, one, s[5]);
    }

    /** Freezes (or thaws) the four encoders, leaving the fusion head trainable. */
    public void freezeEncoders(boolean freeze) {
        // Frozen means frozen: batch norms keep their running statistics too.
        encodersFrozen = freeze;
        for (Block encoder : new Block[] {video, audio, text, metadata}) {
            freeze(encoder, freeze);
        }
    }

    /**
     * Freezes or thaws the learned parameters of {@code block}; batch-norm running statistics are
     * never trainable and stay as they are.
     */
    static void freeze(Block block, boolean freeze) {
        block.freezeParameters(
                freeze,
                p ->
                        p.getType() != Parameter.Type.RUNNING_MEAN
                                && p.getType() != Parameter.Type.RUNNING_VAR);
    }

    public ModelManifest manifest() {
        return manifest;
    }
}
