package io.avfuse.jobs.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.avfuse.jobs.encode.AudioEncoderKind;
import io.avfuse.jobs.encode.FrameEncoderKind;
import io.avfuse.jobs.encode.LogMelSpectrogram;
import io.avfuse.jobs.encode.TemporalPooling;
import io.avfuse.jobs.encode.TextEncoderKind;
import io.avfuse.jobs.fuse.FusionKind;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a model directory says about its model: architecture, version, labels, sizes and the
 * preprocessing parameters, so that training and serving cannot disagree. Stored as {@code
 * manifest.json} beside the parameters.
 *
 * @param architecture always {@link #ARCHITECTURE} for built-in models
 * @param version tagged on every output record
 * @param labels class names, in logit order
 * @param modalities the modalities the model was trained on (video, audio, text, metadata): a
 *     window missing one of them is degraded
 * @param embedding size of the joint embedding space
 * @param fusion the fusion head
 * @param frames K frames per window; {@code height} x {@code width} after resizing
 * @param audio log-mel parameters
 * @param maxTokens tokens per window's text, after truncation
 * @param vocabulary size of {@code tokenizer.json}'s vocabulary
 * @param features metadata feature names, in vector order
 * @param featureClip metadata values are clipped to ±this
 * @param windowUs the window length the model was trained on
 * @param videoPooling how frame features become one (MEAN when a manifest predates the option)
 * @param frameEncoder how one frame becomes features (CNN when a manifest predates the option)
 * @param audioEncoder what the audio encoder reads (LOG_MEL when a manifest predates the option)
 * @param textEncoder how the text is encoded (WORDS when a manifest predates the option)
 * @param runtime what executes the model (BUILT_IN when a manifest predates the option)
 * @param files the exported model files of a TORCHSCRIPT or ONNX model, relative to the directory:
 *     {@code "model"} for one file with the whole {@link FusionModel} contract, or one file per
 *     part, {@code "video"}, {@code "audio"}, {@code "text"}, {@code "metadata"} and {@code "head"}
 *     (see {@link ExportedModel}); empty for BUILT_IN
 */
public record ModelManifest(
        String architecture,
        String version,
        List<String> labels,
        List<String> modalities,
        int embedding,
        FusionKind fusion,
        int frames,
        int height,
        int width,
        LogMelSpectrogram.Params audio,
        int maxTokens,
        int vocabulary,
        List<String> features,
        float featureClip,
        long windowUs,
        TemporalPooling videoPooling,
        FrameEncoderKind frameEncoder,
        AudioEncoderKind audioEncoder,
        TextEncoderKind textEncoder,
        ModelRuntime runtime,
        Map<String, String> files)
        implements Serializable {
    public static final String ARCHITECTURE = "avfuse-fusion-v1";
    public static final String FILE = "manifest.json";

    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public ModelManifest {
        labels = List.copyOf(labels);
        modalities = List.copyOf(modalities);
        for (String m : modalities) {
            if (!List.of("video", "audio", "text", "metadata").contains(m)) {
                throw new IllegalArgumentException("unknown modality '" + m + "' in manifest");
            }
        }
        features = List.copyOf(features);
        if (videoPooling == null) {
            videoPooling = TemporalPooling.MEAN;
        }
        if (frameEncoder == null) {
            frameEncoder = FrameEncoderKind.CNN;
        }
        if (audioEncoder == null) {
            audioEncoder = AudioEncoderKind.LOG_MEL;
        }
        if (textEncoder == null) {
            textEncoder = TextEncoderKind.WORDS;
        }
        if (runtime == null) {
            runtime = ModelRuntime.BUILT_IN;
        }
        files = files == null ? Map.of() : Map.copyOf(files);
        ExportedModel.checkFiles(runtime, files);
        if (labels.size() < 2) {
            throw new IllegalArgumentException("a model needs at least 2 labels");
        }
        requirePositive("embedding", embedding);
        requirePositive("frames", frames);
        requirePositive("height", height);
        requirePositive("width", width);
        requirePositive("maxTokens", maxTokens);
        requirePositive("vocabulary", vocabulary);
        requirePositive("windowUs", windowUs);
    }

    private static void requirePositive(String component, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(
                    "manifest component '" + component + "' must be positive, is " + value);
        }
    }

    /** Length of the metadata vector (values and missing flags). */
    public int metadataSize() {
        return Math.max(2, 2 * features.size());
    }

    public int audioFrames() {
        return audio.frames(audioSamples());
    }

    /** Mono samples per window at the model's rate: the waveform encoder's input length. */
    public int audioSamples() {
        return Math.toIntExact(windowUs * audio.sampleRate() / 1_000_000L);
    }

    /** This manifest as another version (a retrained model of the same architecture). */
    public ModelManifest withVersion(String newVersion) {
        return toBuilder().version(newVersion).build();
    }

    /** This manifest with other class names. */
    public ModelManifest withLabels(List<String> newLabels) {
        return toBuilder().labels(newLabels).build();
    }

    /**
     * A manifest for {@code version} with these class names and modalities; every size must be set,
     * the rest defaults to what a manifest predating its option means.
     */
    public static Builder builder(String version, List<String> labels, List<String> modalities) {
        return new Builder().version(version).labels(labels).modalities(modalities);
    }

    /** A builder holding every component of this manifest, to change some of them. */
    public Builder toBuilder() {
        return new Builder()
                .architecture(architecture)
                .version(version)
                .labels(labels)
                .modalities(modalities)
                .embedding(embedding)
                .fusion(fusion)
                .frames(frames)
                .frameSize(height, width)
                .audio(audio)
                .maxTokens(maxTokens)
                .vocabulary(vocabulary)
                .features(features)
                .featureClip(featureClip)
                .windowUs(windowUs)
                .videoPooling(videoPooling)
                .frameEncoder(frameEncoder)
                .audioEncoder(audioEncoder)
                .textEncoder(textEncoder)
                .runtime(runtime)
                .files(files);
    }

    /** Names each of the many components where a manifest is made in code. */
    public static final class Builder {
        private String architecture = ARCHITECTURE;
        private String version;
        private List<String> labels;
        private List<String> modalities;
        private int embedding;
        private FusionKind fusion = FusionKind.GATED;
        private int frames;
        private int height;
        private int width;
        private LogMelSpectrogram.Params audio = LogMelSpectrogram.Params.DEFAULT;
        private int maxTokens;
        private int vocabulary;
        private List<String> features = List.of();
        private float featureClip = 5f;
        private long windowUs = 1_000_000;
        private TemporalPooling videoPooling;
        private FrameEncoderKind frameEncoder;
        private AudioEncoderKind audioEncoder;
        private TextEncoderKind textEncoder;
        private ModelRuntime runtime;
        private Map<String, String> files;

        private Builder() {}

        public Builder architecture(String value) {
            architecture = value;
            return this;
        }

        public Builder version(String value) {
            version = value;
            return this;
        }

        public Builder labels(List<String> value) {
            labels = value;
            return this;
        }

        public Builder modalities(List<String> value) {
            modalities = value;
            return this;
        }

        public Builder embedding(int value) {
            embedding = value;
            return this;
        }

        public Builder fusion(FusionKind value) {
            fusion = value;
            return this;
        }

        public Builder frames(int value) {
            frames = value;
            return this;
        }

        public Builder frameSize(int newHeight, int newWidth) {
            height = newHeight;
            width = newWidth;
            return this;
        }

        public Builder audio(LogMelSpectrogram.Params value) {
            audio = value;
            return this;
        }

        public Builder maxTokens(int value) {
            maxTokens = value;
            return this;
        }

        public Builder vocabulary(int value) {
            vocabulary = value;
            return this;
        }

        public Builder features(List<String> value) {
            features = value;
            return this;
        }

        public Builder featureClip(float value) {
            featureClip = value;
            return this;
        }

        public Builder windowUs(long value) {
            windowUs = value;
            return this;
        }

        public Builder videoPooling(TemporalPooling value) {
            videoPooling = value;
            return this;
        }

        public Builder frameEncoder(FrameEncoderKind value) {
            frameEncoder = value;
            return this;
        }

        public Builder audioEncoder(AudioEncoderKind value) {
            audioEncoder = value;
            return this;
        }

        public Builder textEncoder(TextEncoderKind value) {
            textEncoder = value;
            return this;
        }

        public Builder runtime(ModelRuntime value) {
            runtime = value;
            return this;
        }

        public Builder files(Map<String, String> value) {
            files = value;
            return this;
        }

        public ModelManifest build() {
            return new ModelManifest(
                    architecture,
                    version,
                    labels,
                    modalities,
                    embedding,
                    fusion,
                    frames,
                    height,
                    width,
                    audio,
                    maxTokens,
                    vocabulary,
                    features,
                    featureClip,
                    windowUs,
                    videoPooling,
                    frameEncoder,
                    audioEncoder,
                    textEncoder,
                    runtime,
                    files);
        }
    }

    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(FILE).toFile(), this);
    }

    public static ModelManifest read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IOException("no " + FILE + " in model directory " + dir);
        }
        ModelManifest m;
        try {
            m = JSON.readValue(file.toFile(), ModelManifest.class);
        } catch (JsonProcessingException e) {
            // The constructor's own check says more than Jackson's wrapping of it.
            String problem =
                    e.getCause() instanceof IllegalArgumentException
                            ? e.getCause().getMessage()
                            : e.getOriginalMessage();
            throw new IOException("cannot read " + file + ": " + problem, e);
        }
        if (!ARCHITECTURE.equals(m.architecture())) {
            throw new IOException(
                    "model directory "
                            + dir
                            + " holds architecture '"
                            + m.architecture()
                            + "', this build serves '"
                            + ARCHITECTURE
                            + "'");
        }
        return m;
    }
}
