package io.avfuse.jobs.encode;

/** How a window's text becomes an embedding; named in the model manifest. */
public enum TextEncoderKind {
    /** Word-piece ids {@code (B, L)} from the model's tokenizer, embedded and pooled. */
    WORDS
}
