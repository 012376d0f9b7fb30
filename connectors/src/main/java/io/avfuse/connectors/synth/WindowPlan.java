package io.avfuse.connectors.synth;

import java.util.Map;

/**
 * One labeled window of a clip: its class and what each modality actually shows. A modality with no
 * entry in {@code cues} is absent (black video, silence, no caption, no metadata line); {@code
 * noisy} marks modalities whose cue was replaced by a random one.
 *
 * @param index window number; the window covers [index, index + 1) seconds
 * @param eventClass the ground-truth class index
 * @param cues the shown cue per present modality
 * @param noisy the modalities whose cue is random
 * @param caption the caption text, or null without text
 * @param features the metadata features, or null without metadata
 */
public record WindowPlan(
        int index,
        int eventClass,
        Map<Modality, Cue> cues,
        java.util.Set<Modality> noisy,
        String caption,
        Map<String, Double> features) {
    public boolean present(Modality m) {
        return cues.containsKey(m);
    }
}
