package io.avfuse.jobs.model;

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
        TextEncoderKind textEncoder)
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

    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(FILE).toFile(), this);
    }

    public static ModelManifest read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IOException("no " + FILE + " in model directory " + dir);
        }
        ModelManifest m = JSON.readValue(file.toFile(), ModelManifest.class);
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
