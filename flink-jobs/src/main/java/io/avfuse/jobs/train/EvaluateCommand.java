package io.avfuse.jobs.train;

import ai.djl.Device;
import io.avfuse.jobs.model.ModelDirectory;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code avfuse evaluate}: measures a model directory on labelled windows it was not trained on.
 */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        version = "avfuse evaluate 0.1.0",
        sortOptions = false,
        description = {
            "Measures a model on labelled windows: accuracy and macro-F1 for every subset of"
                    + " modalities, the loss with each modality missing against a model trained"
                    + " without modality dropout (--baseline), text/window retrieval recall@1/5/10"
                    + " in the joint space, and each modality's contribution (collapse check).",
            "Prints the Markdown report and writes report.md, report.json and PNG charts to --out."
                    + " By default the windows come from freshly generated clips (another seed than"
                    + " training's)."
        })
public final class EvaluateCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Mixin DataOptions data = new DataOptions();

    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            description = "The model directory to evaluate.")
    Path model;

    @Option(
            names = "--baseline",
            paramLabel = "DIR",
            description =
                    "The same model trained without modality dropout ('avfuse train --dropout 0').")
    Path baseline;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "Where the report and charts go.")
    Path out;

    @Option(
            names = "--seed",
            paramLabel = "SEED",
            defaultValue = "1001",
            description = "Seed of the generated test clips (default: ${DEFAULT-VALUE}).")
    long seed;

    public static void main(String[] args) {
        System.exit(new CommandLine(new EvaluateCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter console = spec.commandLine().getOut();
        try {
            data.validate();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        for (Path p : baseline == null ? new Path[] {model} : new Path[] {model, baseline}) {
            if (!Files.isDirectory(p)) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), p + ": no such model directory");
            }
        }
        LabelledWindows windows;
        try (ScratchDirectory work = ScratchDirectory.create("avfuse-eval-data")) {
            windows = data.load(work.path(), seed, console);
        }
        Evaluation evaluated;
        String version;
        try (ModelDirectory.Loaded m = ModelDirectory.load(model, Device.cpu())) {
            evaluated = Evaluation.of(m, windows);
            version = m.manifest().version();
        }
        Evaluation base = null;
        String baseVersion = null;
        if (baseline != null) {
            try (ModelDirectory.Loaded m = ModelDirectory.load(baseline, Device.cpu())) {
                base = Evaluation.of(m, windows);
                baseVersion = m.manifest().version();
            }
        }
        String md = new EvaluationReport(evaluated, version, base, baseVersion).write(out);
        console.println(md);
        console.println(
                "written: "
                        + out.resolve("report.md")
                        + ", report.json, ablation.png"
                        + (base != null ? ", dropout.png" : ""));
        console.flush();
        return 0;
    }
}
