package io.avfuse.jobs.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;

/**
 * The {@link FusionModel} contract served by exported blocks (TorchScript or ONNX): one block for
 * the whole model, or the four encoders and the head, with the fused embedding computed as {@link
 * FusionModel#fused} does. Outputs always live on the caller's engine and manager, whatever engine
 * ran the block. Inference only: the exported blocks' parameters are frozen.
 *
 * <p>{@code serving.setBlock(new ExportedFusionBlock(manifest, Map.of("model", ptBlock)));}
 */
final class ExportedFusionBlock extends AbstractBlock {
    private final ModelManifest manifest;
    private final Map<String, Block> parts;

    /**
     * @param parts {@link ExportedModel#WHOLE} to one block, or each of {@link ExportedModel#PARTS}
     *     to its block
     */
    ExportedFusionBlock(ModelManifest manifest, Map<String, Block> parts) {
        this.manifest = manifest;
        this.parts = Map.copyOf(parts);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        NDManager manager = in.head().getManager();
        if (parts.containsKey(ExportedModel.WHOLE)) {
            return run(ExportedModel.WHOLE, ps, in, manager);
        }
        long b = in.head().getShape().get(0);
        Shape embedding = new Shape(b, manifest.embedding());
        NDArray presence = in.get(5);
        NDArray v = one("video", ps, new NDList(in.get(0), in.get(1)), manager, embedding);
        NDArray a = one("audio", ps, new NDList(in.get(2)), manager, embedding);
        NDArray t = one("text", ps, new NDList(in.get(3)), manager, embedding);
        NDArray m = one("metadata", ps, new NDList(in.get(4)), manager, embedding);
        NDArray logits =
                one(
                        "head",
                        ps,
                        new NDList(v, a, t, m, presence),
                        manager,
                        new Shape(b, manifest.labels().size()));
        return new NDList(logits, FusionModel.fused(presence, v, a, t, m), v, a, t, m);
    }

    /** Runs one part that must give one {@code expected}-shaped output. */
    private NDArray one(
            String part, ParameterStore ps, NDList in, NDManager manager, Shape expected) {
        NDList out = run(part, ps, in, manager);
        if (out.size() != 1 || !out.head().getShape().equals(expected)) {
            throw new IllegalStateException(
                    manifest.files().get(part)
                            + " ("
                            + part
                            + ") gives "
                            + out.getShapes().length
                            + " output(s) of shape "
                            + java.util.Arrays.toString(out.getShapes())
                            + ", the manifest implies one of "
                            + expected);
        }
        return out.head();
    }

    private NDList run(String part, ParameterStore ps, NDList in, NDManager manager) {
        NDList out = parts.get(part).forward(ps, in, false);
        NDList local = new NDList(out.size());
        for (NDArray o : out) {
            // ONNX Runtime hands back its own arrays, named after the graph's outputs: copy them
            // to the caller's engine, and drop the names, or ONNX Runtime would match the next
            // part's inputs by name instead of position.
            NDArray x = manager.from(o);
            x.setName(null);
            local.add(x);
        }
        return local;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return FusionModel.outputShapes(manifest, inputShapes[0].get(0));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... s) {
        // Exported blocks arrive with their parameters.
    }
}
