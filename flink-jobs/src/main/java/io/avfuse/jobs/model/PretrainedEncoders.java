package io.avfuse.jobs.model;

import io.avfuse.jobs.encode.AudioEncoderKind;
import io.avfuse.jobs.encode.MiniLmTextEmbedder;
import io.avfuse.jobs.encode.PretrainedFiles;
import io.avfuse.jobs.encode.SileroSpeechActivity;
import io.avfuse.jobs.encode.TextEncoderKind;
import java.io.IOException;

/**
 * The frozen pretrained encoders a manifest asks for (MiniLM for {@link TextEncoderKind#MINILM},
 * Silero VAD for {@link AudioEncoderKind#SILERO_VAD}), opened on ONNX Runtime. They run outside the
 * PyTorch block: {@link WindowBatch} turns text and audio into their features, and the trainable
 * projections in {@link FusionModel} take it from there. Whoever opens this closes it ({@link
 * ModelDirectory.Loaded} for a served model, {@link FusionTrainer} while training); a {@code
 * WindowBatch} only borrows it.
 *
 * <p>{@code try (PretrainedEncoders p = PretrainedEncoders.open(manifest, files)) { new
 * WindowBatch(manifest, tokenizer, p); }}
 */
public final class PretrainedEncoders implements AutoCloseable {
    private final MiniLmTextEmbedder text;
    private final SileroSpeechActivity speech;

    private PretrainedEncoders(MiniLmTextEmbedder text, SileroSpeechActivity speech) {
        this.text = text;
        this.speech = speech;
    }

    /** For manifests that use no pretrained encoder. */
    public static PretrainedEncoders none() {
        return new PretrainedEncoders(null, null);
    }

    public static boolean usesText(ModelManifest m) {
        return m.textEncoder() == TextEncoderKind.MINILM;
    }

    public static boolean usesAudio(ModelManifest m) {
        return m.audioEncoder() == AudioEncoderKind.SILERO_VAD;
    }

    /** As {@link #open(ModelManifest, PretrainedFiles, int)} with ORT's default threads. */
    public static PretrainedEncoders open(ModelManifest m, PretrainedFiles files)
            throws IOException {
        return open(m, files, 0);
    }

    /**
     * Opens what {@code m} uses from {@code files}, each with {@code threads} intra-op threads (0:
     * ORT's default); nothing when it uses none.
     */
    public static PretrainedEncoders open(ModelManifest m, PretrainedFiles files, int threads)
            throws IOException {
        if (usesAudio(m) && m.audio().sampleRate() != SileroSpeechActivity.SAMPLE_RATE) {
            throw new IOException(
                    "the manifest's audio encoder SILERO_VAD needs audio at "
                            + SileroSpeechActivity.SAMPLE_RATE
                            + " Hz, the manifest says "
                            + m.audio().sampleRate());
        }
        MiniLmTextEmbedder text =
                usesText(m)
                        ? MiniLmTextEmbedder.load(
                                files.minilmModel(),
                                files.minilmTokenizer(),
                                m.maxTokens(),
                                threads)
                        : null;
        try {
            SileroSpeechActivity speech =
                    usesAudio(m) ? SileroSpeechActivity.load(files.sileroVad(), threads) : null;
            return new PretrainedEncoders(text, speech);
        } catch (IOException | RuntimeException e) {
            if (text != null) {
                text.close();
            }
            throw e;
        }
    }

    /** Copies the files {@code m} uses from {@code from} to {@code to}. */
    public static void copy(ModelManifest m, PretrainedFiles from, PretrainedFiles to)
            throws IOException {
        from.copyTo(to, usesText(m), usesAudio(m));
    }

    MiniLmTextEmbedder text() {
        if (text == null) {
            throw new IllegalStateException(
                    "the manifest's text encoder is MINILM but no MiniLM model was opened");
        }
        return text;
    }

    SileroSpeechActivity speech() {
        if (speech == null) {
            throw new IllegalStateException(
                    "the manifest's audio encoder is SILERO_VAD but no Silero VAD model was"
                            + " opened");
        }
        return speech;
    }

    @Override
    public void close() {
        if (text != null) {
            text.close();
        }
        if (speech != null) {
            speech.close();
        }
    }
}
