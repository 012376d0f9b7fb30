package io.avfuse.jobs.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.avfuse.jobs.encode.AudioEncoderKind;
import io.avfuse.jobs.encode.AudioPreprocessor;
import io.avfuse.jobs.encode.FramePreprocessor;
import io.avfuse.jobs.encode.LogMelSpectrogram;
import io.avfuse.jobs.encode.MetadataPreprocessor;
import io.avfuse.jobs.encode.MiniLmTextEmbedder;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.ModalityPresence;
import io.avfuse.schemas.WindowText;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Aligned windows to the model's input tensors, following the manifest. The presence mask is the
 * aligner's, narrowed by what preprocessing found: a window whose every frame failed to decode
 * counts as missing video. With {@code SILERO_VAD} audio or {@code MINILM} text the frozen
 * pretrained encoders (borrowed, not owned: see {@link PretrainedEncoders}) run here and their
 * features replace the log-mel and the token ids.
 *
 * <p>{@code NDList x = new WindowBatch(manifest, tokenizer, pretrained).toInputs(manager,
 * windows).tensors();}
 */
public final class WindowBatch {
    private final ModelManifest manifest;
    private final HuggingFaceTokenizer tokenizer;
    private final FramePreprocessor frames;
    private final AudioPreprocessor audio;
    private final LogMelSpectrogram mel;
    private final MetadataPreprocessor metadata;
    private final PretrainedEncoders pretrained;
    private final TensorBuffers kept;

    /** For manifests that use no pretrained encoder. */
    public WindowBatch(ModelManifest manifest, HuggingFaceTokenizer tokenizer) {
        this(manifest, tokenizer, PretrainedEncoders.none());
    }

    public WindowBatch(
            ModelManifest manifest, HuggingFaceTokenizer tokenizer, PretrainedEncoders pretrained) {
        this.manifest = manifest;
        this.tokenizer = tokenizer;
        this.pretrained = pretrained;
        // Fail at construction, not on the first window, when the manifest's encoder is missing.
        if (PretrainedEncoders.usesText(manifest)) {
            pretrained.text();
        }
        if (PretrainedEncoders.usesAudio(manifest)) {
            pretrained.speech();
        }
        this.frames = new FramePreprocessor(manifest.frames(), manifest.height(), manifest.width());
        this.audio = new AudioPreprocessor(manifest.audio().sampleRate(), manifest.windowUs());
        this.mel = new LogMelSpectrogram(manifest.audio());
        this.metadata = new MetadataPreprocessor(manifest.features(), manifest.featureClip());
        this.kept = null;
    }

    private WindowBatch(WindowBatch other, TensorBuffers kept) {
        this.manifest = other.manifest;
        this.tokenizer = other.tokenizer;
        this.pretrained = other.pretrained;
        this.frames = other.frames;
        this.audio = other.audio;
        this.mel = other.mel;
        this.metadata = other.metadata;
        this.kept = kept;
    }

    /**
     * The same, but every call writes its inputs into the same direct buffers ({@link
     * TensorBuffers}) instead of new ones: only for a caller that closes a call's tensors before
     * its next call, as {@link FusionInference} does. Not thread-safe.
     */
    public WindowBatch reusingInputBuffers() {
        return new WindowBatch(this, new TensorBuffers());
    }

    // TensorBuffers slots, one per model input.
    private static final int PIXELS = 0;
    private static final int MASK = 1;
    private static final int AUDIO = 2;
    private static final int TEXT = 3;
    private static final int META = 4;
    private static final int PRESENCE = 5;

    /** The inputs, and the effective presence rows ({@code [B][4]}). */
    public record Inputs(NDList tensors, float[][] presence) {}

    public Inputs toInputs(NDManager manager, List<AlignedWindow> windows) {
        // Without kept buffers each call gets new ones, which its tensors then own: the same
        // allocation DJL makes for a Java array, minus the copy into a flattened array. The
        // preprocessors write straight into them (no float array per window, no second copy):
        // every value is written, since a kept buffer still holds the previous call's input.
        TensorBuffers buffers = kept != null ? kept : new TensorBuffers();
        int b = windows.size();
        int k = manifest.frames();
        int pixels = 3 * manifest.height() * manifest.width();
        FloatBuffer allPixels = buffers.floats(PIXELS, b * k * pixels);
        FloatBuffer frameMask = buffers.floats(MASK, b * k);
        // Silero takes Java arrays; the other audio encoders read the waveform from the buffer.
        boolean audioArrays = manifest.audioEncoder() == AudioEncoderKind.SILERO_VAD;
        float[][] mono = audioArrays ? new float[b][] : null;
        FloatBuffer waveform = audioArrays ? null : buffers.floats(AUDIO, b * audio.length());
        int[][] tokens = new int[b][manifest.maxTokens()];
        String[] texts = new String[b];
        FloatBuffer meta = buffers.floats(META, b * metadata.size());
        float[][] presence = new float[b][4];
        for (int i = 0; i < b; i++) {
            AlignedWindow w = windows.get(i);
            ModalityPresence p = w.getPresence();
            int maskStart = frameMask.position();
            frames.writeInto(w.getFrames(), allPixels, frameMask);
            boolean anyFrame = false;
            for (int j = maskStart; j < maskStart + k; j++) {
                anyFrame |= frameMask.get(j) > 0;
            }
            if (audioArrays) {
                mono[i] =
                        w.getAudio() == null
                                ? new float[audio.length()]
                                : audio.apply(w.getAudio()).samples();
            } else if (w.getAudio() == null) {
                audio.writeSilence(waveform);
            } else {
                audio.writeInto(w.getAudio(), waveform);
            }
            texts[i] = joined(w.getTexts());
            boolean anyText;
            if (PretrainedEncoders.usesText(manifest)) {
                anyText = !texts[i].isBlank();
            } else {
                tokens[i] = tokens(texts[i]);
                anyText = tokens[i][0] != 0;
            }
            metadata.writeInto(w.getMetadata(), meta);
            presence[i][0] = p.getVideo() && anyFrame ? 1 : 0;
            presence[i][1] = p.getAudio() && w.getAudio() != null ? 1 : 0;
            presence[i][2] = p.getText() && anyText ? 1 : 0;
            presence[i][3] = p.getMetadata() && w.getMetadata() != null ? 1 : 0;
        }
        NDArray pix =
                buffers.tensor(
                        manager, PIXELS, new Shape(b, k, 3, manifest.height(), manifest.width()));
        Shape wave = new Shape(b, audio.length());
        NDArray audioIn =
                switch (manifest.audioEncoder()) {
                    case LOG_MEL -> mel.compute(buffers.tensor(manager, AUDIO, wave)).expandDims(1);
                    case SILERO_VAD -> manager.create(pretrained.speech().probabilities(mono));
                    case WAVEFORM -> buffers.tensor(manager, AUDIO, wave).expandDims(1);
                };
        NDArray textIn =
                switch (manifest.textEncoder()) {
                    case WORDS ->
                            buffers.ints(manager, TEXT, tokens, new Shape(b, manifest.maxTokens()));
                    case MINILM ->
                            buffers.floats(
                                    manager,
                                    TEXT,
                                    sentences(texts),
                                    new Shape(b, MiniLmTextEmbedder.DIMENSION));
                };
        return new Inputs(
                new NDList(
                        pix,
                        buffers.tensor(manager, MASK, new Shape(b, k)),
                        audioIn,
                        textIn,
                        buffers.tensor(manager, META, new Shape(b, metadata.size())),
                        buffers.floats(manager, PRESENCE, presence, new Shape(b, 4))),
                presence);
    }

    private static String joined(List<WindowText> texts) {
        StringBuilder joined = new StringBuilder();
        for (WindowText t : texts) {
            joined.append(t.getText()).append(' ');
        }
        return joined.toString();
    }

    /** MiniLM embeddings of the windows with text; zeros for the rest (masked out anyway). */
    private float[][] sentences(String[] texts) {
        List<String> present = new ArrayList<>();
        for (String t : texts) {
            if (!t.isBlank()) {
                present.add(t);
            }
        }
        float[][] embedded = pretrained.text().embed(present);
        float[][] out = new float[texts.length][];
        int next = 0;
        for (int i = 0; i < texts.length; i++) {
            out[i] =
                    texts[i].isBlank() ? new float[MiniLmTextEmbedder.DIMENSION] : embedded[next++];
        }
        return out;
    }

    private int[] tokens(String text) {
        int[] ids = new int[manifest.maxTokens()];
        long[] raw = tokenizer.encode(text, false, false).getIds();
        for (int i = 0; i < Math.min(ids.length, raw.length); i++) {
            ids[i] = (int) raw[i];
        }
        return ids;
    }
}
