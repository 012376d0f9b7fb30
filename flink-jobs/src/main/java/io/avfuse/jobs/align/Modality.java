package io.avfuse.jobs.align;

import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.TextKind;

/** The four inputs a window can have. Metadata events arrive on the text topic. */
public enum Modality {
    VIDEO,
    AUDIO,
    TEXT,
    METADATA;

    /** METADATA events and events that carry features feed the tabular modality. */
    public static Modality of(TextEvent event) {
        return event.getKind() == TextKind.METADATA
                        || (event.getFeatures() != null && event.getText().isEmpty())
                ? METADATA
                : TEXT;
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
