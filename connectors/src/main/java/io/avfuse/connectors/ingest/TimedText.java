package io.avfuse.connectors.ingest;

import io.avfuse.schemas.TextKind;
import java.util.Map;

/**
 * A text or metadata event on the media clock, before the event-time anchor is added.
 *
 * @param offsetUs media time (µs from the start of the media)
 * @param durationUs how long it applies
 * @param kind caption, transcript or metadata
 * @param text the text, possibly empty
 * @param features numeric features (the tabular modality), or null
 */
public record TimedText(
        long offsetUs, long durationUs, TextKind kind, String text, Map<String, Double> features) {}
