package io.avfuse.connectors.synth;

/**
 * What one modality shows in one window: a symbol of that modality's alphabet and, for the timed
 * symbols ({@code flash}, {@code beep}), the 200 ms slot it happens in.
 *
 * @param symbol index into {@link ClassCatalogue#alphabet(Modality)}
 * @param slot 0..{@link ClassCatalogue#SLOTS}-1 for timed symbols, -1 otherwise
 */
public record Cue(int symbol, int slot) {
    public static Cue of(int symbol) {
        return new Cue(symbol, -1);
    }
}
