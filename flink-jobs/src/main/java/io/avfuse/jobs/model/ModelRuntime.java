package io.avfuse.jobs.model;

/**
 * What executes a model directory's model, as its manifest says ({@code "runtime"}).
 *
 * <p>{@code "runtime": "TORCHSCRIPT", "files": {"model": "model.pt"}}
 */
public enum ModelRuntime {
    /** A {@link FusionModel} built from the manifest, with trained parameters ({@code .params}). */
    BUILT_IN,
    /** TorchScript {@code .pt} files (one for the whole model, or one per part) on DJL PyTorch. */
    TORCHSCRIPT,
    /** ONNX files (whole model, or one per part) on DJL's ONNX Runtime engine. */
    ONNX
}
