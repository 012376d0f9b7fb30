package io.avfuse.jobs.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * {@code avfuse evaluate}'s output: a Markdown report, the same figures as JSON, and PNG charts
 * (the ablation, and dropout against no dropout when a baseline is given), with the targets
 * checked.
 *
 * <p>{@code String md = new EvaluationReport(model, version, baseline,
 * baselineVersion).write(dir);}
 */
public final class EvaluationReport {
    private final Evaluation model;
    private final String version;
    private final Evaluation baseline;
    private final String baselineVersion;

    public EvaluationReport(
            Evaluation model, String version, Evaluation baseline, String baselineVersion) {
        this.model = model;
        this.version = version;
        this.baseline = baseline;
        this.baselineVersion = baselineVersion;
    }

    /** Fused accuracy minus the best single modality's. */
    public double fusionGain() {
        return model.all().accuracy() - model.ablation().get(model.bestSingle()).accuracy();
    }

    /** Per modality: the model's loss without it divided by the baseline's (NaN when ~0). */
    public Map<String, Double> dropoutRatios() {
        Map<String, Double> r = new LinkedHashMap<>();
        if (baseline != null) {
            for (String m : Evaluation.MODALITIES) {
                double base = baseline.lossWithout(m);
                r.put(m, base < 0.01 ? Double.NaN : model.lossWithout(m) / base);
            }
        }
        return r;
    }

    /** Writes report.md, report.json, ablation.png (and dropout.png); returns the Markdown. */
    public String write(Path dir) throws IOException {
        Files.createDirectories(dir);
        String md = markdown();
        Files.writeString(dir.resolve("report.md"), md);
        new ObjectMapper()
                .writerWithDefaultPrettyPrinter()
                .writeValue(dir.resolve("report.json").toFile(), json());
        BitmapEncoder.saveBitmap(
                ablationChart(),
                dir.resolve("ablation.png").toString(),
                BitmapEncoder.BitmapFormat.PNG);
        if (baseline != null) {
            BitmapEncoder.saveBitmap(
                    dropoutChart(),
                    dir.resolve("dropout.png").toString(),
                    BitmapEncoder.BitmapFormat.PNG);
        }
        return md;
    }

    private static String f(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("# Evaluation of ").append(version).append("\n\n");
        b.append(model.windows()).append(" labelled windows. ");
        b.append("Each row masks the other modalities out of every window.\n\n");
        b.append("| modalities | accuracy | macro-F1 |");
        if (baseline != null) {
            b.append(" accuracy without dropout (").append(baselineVersion).append(") |");
        }
        b.append("\n|---|---|---|").append(baseline != null ? "---|" : "").append('\n');
        for (String s : Evaluation.subsets()) {
            Evaluation.Scores sc = model.ablation().get(s);
            b.append("| ")
                    .append(s)
                    .append(" | ")
                    .append(f(sc.accuracy()))
                    .append(" | ")
                    .append(f(sc.macroF1()))
                    .append(" |");
            if (baseline != null) {
                b.append(' ').append(f(baseline.ablation().get(s).accuracy())).append(" |");
            }
            b.append('\n');
        }
        double gain = fusionGain();
        b.append("\n**Fusion gain**: all four ")
                .append(f(model.all().accuracy()))
                .append(" vs best single (")
                .append(model.bestSingle())
                .append(") ")
                .append(f(model.ablation().get(model.bestSingle()).accuracy()))
                .append(": +")
                .append(f(gain))
                .append(" — target ≥ +0.100: ")
                .append(gain >= 0.1 ? "**met**" : "**missed**")
                .append("\n\n");
        if (baseline != null) {
            b.append("## One modality missing: modality dropout against none\n\n");
            b.append(
                    "| missing | loss with dropout | loss without dropout | ratio (target ≤ 0.333) |\n|---|---|---|---|\n");
            for (var e : dropoutRatios().entrySet()) {
                String m = e.getKey();
                b.append("| ")
                        .append(m)
                        .append(" | ")
                        .append(f(model.lossWithout(m)))
                        .append(" | ")
                        .append(f(baseline.lossWithout(m)))
                        .append(" | ")
                        .append(f(e.getValue()))
                        .append(
                                Double.isNaN(e.getValue())
                                        ? " (no loss to reduce)"
                                        : e.getValue() <= 1 / 3.0 ? " met" : " missed")
                        .append(" |\n");
            }
            b.append('\n');
        }
        Evaluation.Retrieval r = model.retrieval();
        b.append("## Retrieval in the joint space\n\n");
        b.append(
                        "A window's text embedding against the fused embedding of its other modalities, over ")
                .append(r.candidates())
                .append(" windows with text (chance at k: k/")
                .append(r.candidates())
                .append(").\n\n");
        b.append("| direction | R@1 | R@5 | R@10 |\n|---|---|---|---|\n");
        b.append("| text → window | ")
                .append(f(r.textToWindowAt1()))
                .append(" | ")
                .append(f(r.textToWindowAt5()))
                .append(" | ")
                .append(f(r.textToWindowAt10()))
                .append(" |\n");
        b.append("| window → text | ")
                .append(f(r.windowToTextAt1()))
                .append(" | ")
                .append(f(r.windowToTextAt5()))
                .append(" | ")
                .append(f(r.windowToTextAt10()))
                .append(" |\n\n");
        b.append("## Modality contributions (collapse check)\n\n");
        b.append(
                "Mean total-variation distance between the prediction with all modalities and without one; share of the total.\n\n");
        b.append("| modality | distance | share |\n|---|---|---|\n");
        double total =
                model.contribution().values().stream().mapToDouble(Double::doubleValue).sum();
        double maxShare = 0;
        for (var e : model.contribution().entrySet()) {
            double share = total == 0 ? 0 : e.getValue() / total;
            maxShare = Math.max(maxShare, share);
            b.append("| ")
                    .append(e.getKey())
                    .append(" | ")
                    .append(f(e.getValue()))
                    .append(" | ")
                    .append(f(share))
                    .append(" |\n");
        }
        b.append("\n")
                .append(
                        maxShare > 0.8
                                ? "**Collapse**: one modality carries over 80 % of the model's decisions.\n"
                                : "No collapse: no modality carries over 80 % of the model's decisions.\n");
        return b.toString();
    }

    private Map<String, Object> json() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("model", version);
        doc.put("windows", model.windows());
        doc.put("ablation", model.ablation());
        doc.put("fusionGain", fusionGain());
        doc.put("bestSingle", model.bestSingle());
        doc.put("retrieval", model.retrieval());
        doc.put("contribution", model.contribution());
        if (baseline != null) {
            doc.put("baseline", baselineVersion);
            doc.put("baselineAblation", baseline.ablation());
            Map<String, Object> ratios = new LinkedHashMap<>();
            dropoutRatios().forEach((k, v) -> ratios.put(k, Double.isNaN(v) ? null : v));
            doc.put("dropoutLossRatio", ratios);
        }
        return doc;
    }

    private CategoryChart ablationChart() {
        CategoryChart chart =
                new CategoryChartBuilder()
                        .width(1100)
                        .height(520)
                        .title("Accuracy by modalities present (" + version + ")")
                        .xAxisTitle("modalities")
                        .yAxisTitle("accuracy")
                        .build();
        style(chart);
        List<String> x =
                Evaluation.subsets().stream()
                        .map(
                                s ->
                                        s.replace("metadata", "meta")
                                                .replace("video", "vid")
                                                .replace("audio", "aud")
                                                .replace("text", "txt"))
                        .toList();
        chart.addSeries(
                version,
                x,
                Evaluation.subsets().stream()
                        .map(s -> model.ablation().get(s).accuracy())
                        .toList());
        if (baseline != null) {
            chart.addSeries(
                    baselineVersion,
                    x,
                    Evaluation.subsets().stream()
                            .map(s -> baseline.ablation().get(s).accuracy())
                            .toList());
        }
        return chart;
    }

    private CategoryChart dropoutChart() {
        CategoryChart chart =
                new CategoryChartBuilder()
                        .width(700)
                        .height(420)
                        .title("Accuracy lost with one modality missing")
                        .xAxisTitle("missing modality")
                        .yAxisTitle("accuracy lost")
                        .build();
        style(chart);
        List<String> x = List.of(Evaluation.MODALITIES);
        List<Double> withDropout = new ArrayList<>();
        List<Double> without = new ArrayList<>();
        for (String m : Evaluation.MODALITIES) {
            withDropout.add(model.lossWithout(m));
            without.add(baseline.lossWithout(m));
        }
        chart.addSeries(version + " (dropout)", x, withDropout);
        chart.addSeries(baselineVersion + " (no dropout)", x, without);
        return chart;
    }

    private static void style(CategoryChart chart) {
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setXAxisLabelRotation(45);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    }
}
