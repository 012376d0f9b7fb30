package io.avfuse.jobs.model;

import static io.avfuse.jobs.model.FusionInferenceTest.window;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.avfuse.jobs.encode.AudioPreprocessor;
import io.avfuse.jobs.encode.FramePreprocessor;
import io.avfuse.jobs.encode.LogMelSpectrogram;
import io.avfuse.jobs.encode.MetadataPreprocessor;
import io.avfuse.schemas.AlignedWindow;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WindowBatchTest {
    @TempDir Path tmp;

    /**
     * The preprocessors write straight into the kept input buffers; the model must see exactly what
     * the array preprocessors produce (the path before), bit for bit, also after a larger batch
     * with other content has filled the buffers.
     */
    @Test
    void inputsWrittenIntoKeptBuffersEqualTheArrayPreprocessorsBitForBit() throws Exception {
        try (ModelDirectory.Loaded loaded =
                        ModelDirectory.load(FusionInferenceTest.savedModel(tmp, 16), Device.cpu());
                NDManager root = NDManager.newBaseManager("PyTorch")) {
            ModelManifest m = loaded.manifest();
            WindowBatch kept = loaded.windowBatch().reusingInputBuffers();
            List<List<AlignedWindow>> batches =
                    List.of(
                            List.of(
                                    window("a", 1, true, true, true),
                                    window("b", 2, true, true, true),
                                    window("c", 3, true, true, true)),
                            List.of(
                                    window("d", 4, false, true, true),
                                    window("e", 5, true, false, false)),
                            List.of(window("f", 6, true, true, false)));
            for (List<AlignedWindow> batch : batches) {
                try (NDManager call = root.newSubManager()) {
                    NDList got = kept.toInputs(call, batch).tensors();
                    NDList want = fromArrays(m, call, batch);
                    // Frames, frame mask, audio (log-mel of the waveform), metadata; the token
                    // ids and presence rows are built as before.
                    int[] written = {0, 1, 2, 4};
                    for (int j = 0; j < written.length; j++) {
                        int t = written[j];
                        assertThat(got.get(t).getShape())
                                .as("input %d", t)
                                .isEqualTo(want.get(j).getShape());
                        assertThat(got.get(t).toFloatArray())
                                .as("input %d", t)
                                .containsExactly(want.get(j).toFloatArray());
                    }
                    // A fresh (not kept) batcher gives the same, so both switch settings agree.
                    NDList fresh = loaded.windowBatch().toInputs(call, batch).tensors();
                    for (int j = 0; j < written.length; j++) {
                        assertThat(fresh.get(written[j]).toFloatArray())
                                .containsExactly(want.get(j).toFloatArray());
                    }
                }
            }
        }
    }

    /** The inputs as the array APIs give them, assembled as WindowBatch did before. */
    private static NDList fromArrays(ModelManifest m, NDManager manager, List<AlignedWindow> ws) {
        FramePreprocessor frames = new FramePreprocessor(m.frames(), m.height(), m.width());
        AudioPreprocessor audio = new AudioPreprocessor(m.audio().sampleRate(), m.windowUs());
        MetadataPreprocessor meta = new MetadataPreprocessor(m.features(), m.featureClip());
        int b = ws.size();
        int k = m.frames();
        int plane = 3 * m.height() * m.width();
        float[] pixels = new float[b * k * plane];
        float[] mask = new float[b * k];
        float[] mono = new float[b * audio.length()];
        float[] metadata = new float[b * meta.size()];
        for (int i = 0; i < b; i++) {
            AlignedWindow w = ws.get(i);
            FramePreprocessor.Result f = frames.apply(w.getFrames());
            System.arraycopy(f.pixels(), 0, pixels, i * k * plane, k * plane);
            System.arraycopy(f.mask(), 0, mask, i * k, k);
            if (w.getAudio() != null) {
                float[] s = audio.apply(w.getAudio()).samples();
                System.arraycopy(s, 0, mono, i * audio.length(), audio.length());
            }
            float[] v = meta.apply(w.getMetadata());
            System.arraycopy(v, 0, metadata, i * meta.size(), meta.size());
        }
        NDArray wave = manager.create(mono, new Shape(b, audio.length()));
        return new NDList(
                manager.create(pixels, new Shape(b, k, 3, m.height(), m.width())),
                manager.create(mask, new Shape(b, k)),
                new LogMelSpectrogram(m.audio()).compute(wave).expandDims(1),
                manager.create(metadata, new Shape(b, meta.size())));
    }
}
