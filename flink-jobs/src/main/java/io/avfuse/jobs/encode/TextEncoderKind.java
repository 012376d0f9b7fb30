package io.avfuse.jobs.encode;

/** How a window's text becomes an embedding; named in the model manifest. */
public enum TextEncoderKind {
    /** Word-piece ids {@code (B, L)} from the model's tokenizer, embedded and pooled. */
    WORDS,
    /**
     * Frozen all-MiniLM-L6-v2 sentence embeddings {@code (B, 384)} ({@link MiniLmTextEmbedder}),
     * then a trainable linear projection; {@code maxTokens} caps MiniLM's word pieces.
     */
    MINILM
}
