package io.avfuse.connectors.synth;

import java.util.Locale;

/** The four evidence channels of a benchmark window. */
public enum Modality {
    VIDEO,
    AUDIO,
    TEXT,
    METADATA;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
