package io.avfuse.jobs.model;

import static io.avfuse.jobs.model.FusionInferenceTest.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.Prediction;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TorchScript and ONNX model directories, exported by Python (see {@link ExportedFixtures}), load
 * through {@link ModelDirectory} and compute what Python computed; {@link FusionInference} serves
 * them.
 */
class ExportedModelTest {
    /**
     * Float32 kernels of libtorch 1.13 (Python), libtorch 2.7.1 and ONNX Runtime 1.21 round
     * differently; measured at most 9e-8 here, so 1e-6 leaves room without hiding a real error.
     */
    static final double TOLERANCE = 1e-6;

    @ParameterizedTest
    @ValueSource(strings = {"torchscript-whole", "torchscript-parts", "onnx-whole", "onnx-parts"})
    void djlComputesWhatPythonComputed(String name) throws Exception {
        try (ModelDirectory.Loaded m =
                        ModelDirectory.load(ExportedFixtures.dir(name), Device.cpu());
                NDManager manager = m.model().getNDManager().newSubManager()) {
            assertThat(m.manifest().runtime())
                    .isEqualTo(
                            name.startsWith("onnx") ? ModelRuntime.ONNX : ModelRuntime.TORCHSCRIPT);
            NDList out =
                    m.model()
                            .getBlock()
                            .forward(
                                    new ParameterStore(manager, false),
                                    ExportedFixtures.inputs(manager),
                                    false);
            assertThat(out).hasSize(6);
            for (int i = 0; i < out.size(); i++) {
                assertThat(out.get(i).getShape()).isEqualTo(ExportedFixtures.outputShapes().get(i));
                // On the caller's engine, so FusionInference's softmax and copies work as usual.
                assertThat(out.get(i).getManager().getEngine().getEngineName())
                        .isEqualTo("PyTorch");
            }
            double diff = ExportedFixtures.maxAbsDifference(out);
            System.out.printf("%s: max |DJL - Python| = %.3g%n", name, diff);
            assertThat(diff).isLessThanOrEqualTo(TOLERANCE);
        }
    }

    @Test
    void theFixtureInputsExerciseMissingModalities() {
        // Otherwise the comparison above would not show that a missing modality is handled alike.
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray presence = ExportedFixtures.inputs(manager).get(5);
            assertThat(presence.eq(0).any().getBoolean()).isTrue();
            assertThat(presence.eq(1).all().getBoolean()).isFalse();
        }
    }

    @Test
    void fusionInferenceServesTorchScriptAndOnnxModelsAlike() throws Exception {
        List<AlignedWindow> windows =
                List.of(
                        window("a", 0, true, true, true),
                        window("a", 1, true, false, true),
                        window("b", 0, false, true, false));
        List<List<Scored>> byModel = new ArrayList<>();
        for (String name :
                List.of("torchscript-whole", "torchscript-parts", "onnx-whole", "onnx-parts")) {
            FusionInference inference = new FusionInference(ExportedFixtures.dir(name));
            inference.open("cpu", 1);
            try {
                List<Scored> out = inference.infer(windows);
                assertThat(out).hasSize(3);
                for (Scored s : out) {
                    Prediction p = s.prediction;
                    assertThat(p.getModelVersion()).startsWith("exported-");
                    assertThat(p.getScores().stream().mapToDouble(Float::doubleValue).sum())
                            .isCloseTo(1.0, offset(1e-5));
                    assertThat(p.getLabel())
                            .isEqualTo(List.of("calm", "goal", "foul").get(p.getLabelIndex()));
                    double norm =
                            Math.sqrt(
                                    s.embedding.getFused().stream().mapToDouble(x -> x * x).sum());
                    assertThat(norm).isCloseTo(1.0, offset(1e-4));
                }
                assertThat(out.get(1).embedding.getAudio()).isNull();
                assertThat(out.get(2).embedding.getVideo()).isNull();
                assertThat(out.get(2).embedding.getText()).isNull();
                assertThat(out.get(0).embedding.getVideo()).hasSize(16);
                assertThat(out)
                        .extracting(s -> s.prediction.getDegraded())
                        .containsExactly(false, true, true);
                byModel.add(out);
            } finally {
                inference.close();
            }
        }
        // The four directories hold one set of weights: every runtime and layout scores alike.
        List<Scored> reference = byModel.get(0);
        for (List<Scored> other : byModel.subList(1, byModel.size())) {
            for (int w = 0; w < windows.size(); w++) {
                List<Float> expected = reference.get(w).prediction.getScores();
                List<Float> actual = other.get(w).prediction.getScores();
                for (int c = 0; c < expected.size(); c++) {
                    assertThat(actual.get(c)).isCloseTo(expected.get(c), offset(1e-5f));
                }
                List<Float> fusedA = reference.get(w).embedding.getFused();
                List<Float> fusedB = other.get(w).embedding.getFused();
                for (int i = 0; i < fusedA.size(); i++) {
                    assertThat(fusedB.get(i)).isCloseTo(fusedA.get(i), offset(1e-5f));
                }
            }
        }
        // And the windows are told apart: the scores are not constant.
        assertThat(reference.get(0).prediction.getScores())
                .isNotEqualTo(reference.get(2).prediction.getScores());
    }
}
