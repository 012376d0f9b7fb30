package io.avfuse.jobs.dashboard;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.avfuse.jobs.encode.TextEncoderKind;
import io.avfuse.jobs.model.ModelDirectory;
import io.avfuse.jobs.model.WindowBatch;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.ModalityPresence;
import io.avfuse.schemas.TextKind;
import io.avfuse.schemas.WindowText;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Embeds a text query into a model's joint space with the model's own text encoder: the query goes
 * through exactly the path a caption takes in the fusion job (a window whose only modality is one
 * caption, {@link WindowBatch}, the model's forward pass), and the text embedding output is the
 * query vector. So the query vector of a window's caption equals that window's published {@code
 * Embedding.text}.
 *
 * <p>{@code try (QueryEmbedder q = QueryEmbedder.load(dir)) { float[] v = q.embed("goal"); }}
 */
final class QueryEmbedder implements AutoCloseable {
    private final ModelDirectory.Loaded loaded;
    private final WindowBatch batch;

    private QueryEmbedder(ModelDirectory.Loaded loaded) {
        this.loaded = loaded;
        this.batch = loaded.windowBatch();
    }

    /** Loads {@code dir} on the CPU. */
    static QueryEmbedder load(Path dir) throws IOException {
        return new QueryEmbedder(ModelDirectory.load(dir, Device.cpu(), 1));
    }

    String version() {
        return loaded.manifest().version();
    }

    /**
     * The query's L2-normalised text embedding.
     *
     * @throws IllegalArgumentException when the model cannot read the query (blank, or, with the
     *     project's word tokenizer, no word in the model's vocabulary)
     */
    synchronized float[] embed(String query) {
        String text = query == null ? "" : query.strip();
        if (text.isEmpty()) {
            throw new IllegalArgumentException("the query is empty");
        }
        if (loaded.manifest().textEncoder() == TextEncoderKind.WORDS && !knowsAWord(text)) {
            throw new IllegalArgumentException(
                    "no word of the query is in the vocabulary of model "
                            + version()
                            + " (its tokenizer.json): try words from the captions it was trained"
                            + " on");
        }
        AlignedWindow w =
                AlignedWindow.newBuilder()
                        .setStreamId("query")
                        .setWindowStartUs(0)
                        .setWindowEndUs(loaded.manifest().windowUs())
                        .setPresence(ModalityPresence.newBuilder().setText(true).build())
                        .setFrames(List.of())
                        .setAudio(null)
                        .setTexts(
                                List.of(
                                        WindowText.newBuilder()
                                                .setEventTimeUs(0)
                                                .setKind(TextKind.CAPTION)
                                                .setText(text)
                                                .build()))
                        .setMetadata(null)
                        .build();
        try (NDManager m = loaded.model().getNDManager().newSubManager()) {
            WindowBatch.Inputs in = batch.toInputs(m, List.of(w));
            if (in.presence()[0][2] == 0) {
                throw new IllegalArgumentException("the model finds no text in the query");
            }
            NDList out =
                    loaded.model()
                            .getBlock()
                            .forward(new ParameterStore(m, false), in.tensors(), false);
            // Outputs: logits, fused, video, audio, text, metadata (FusionModel's contract).
            return out.get(4).toFloatArray();
        }
    }

    private boolean knowsAWord(String text) {
        for (long id : loaded.tokenizer().encode(text, false, false).getIds()) {
            if (id > 1) { // WordVocabulary: 0 is [PAD], 1 is [UNK]
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        loaded.close();
    }
}
