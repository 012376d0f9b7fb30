package io.avfuse.jobs.encode;

/** What the audio encoder reads and how; named in the model manifest. */
public enum AudioEncoderKind {
    /** A small 2-D CNN over the log-mel spectrogram {@code (B, 1, mels, frames)}. */
    LOG_MEL,
    /**
     * Frozen Silero VAD speech probabilities per 32 ms chunk {@code (B, chunks)} ({@link
     * SileroSpeechActivity}), then a trainable MLP; needs 16 kHz.
     */
    SILERO_VAD,
    /**
     * Strided 1-D convolutions over the raw mono samples {@code (B, 1, S)} ({@link
     * WaveformEncoder}): the model learns its own filter bank.
     */
    WAVEFORM
}
