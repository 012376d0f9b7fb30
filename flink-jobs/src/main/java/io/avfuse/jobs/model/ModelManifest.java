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
        return with("version", newVersion);
    }

    /** This manifest with other class names. */
    public ModelManifest withLabels(List<String> newLabels) {
        return with("labels", newLabels);
    }

    /** A copy with one component replaced, through JSON so that it keeps every other one. */
    private ModelManifest with(String component, Object value) {
        java.util.Map<String, Object> fields =
                JSON.convertValue(
                        this,
                        new com.fasterxml.jackson.core.type.TypeReference<
                                java.util.Map<String, Object>>() {});
        fields.put(component, value);
        return JSON.convertValue(fields, ModelManifest.class);
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
