package io.avfuse.connectors.synth;

import java.util.List;
import java.util.Map;

/**
 * The benchmark's eight event classes and the cue each modality shows for each. Evidence is split
 * on purpose: metadata names one of four scenes (pairs of classes), and inside each pair only one
 * thing tells the classes apart: audio (0/1), video (2/3), text (4/5), or the timing of video
 * against audio (6/7: a flash and a beep in the same 200 ms slot, or in different slots). See
 * {@code docs/benchmark-classes.md}.
 *
 * <p>{@code int symbol = ClassCatalogue.cue(3, Modality.VIDEO);}
 */
public final class ClassCatalogue {
    /** Timed cues (flash, beep) happen in one of this many 200 ms slots of a window. */
    public static final int SLOTS = 5;

    public static final int VIDEO_DRIFT = 0;
    public static final int VIDEO_BOUNCE = 1;
    public static final int VIDEO_FLASH = 2;
    public static final int AUDIO_LOW = 0;
    public static final int AUDIO_HIGH = 1;
    public static final int AUDIO_BEEP = 2;
    public static final int TEXT_WEATHER = 0;
    public static final int TEXT_SPORT = 1;
    public static final int TEXT_CHATTER = 2;

    /** One class: its name, what it stands for, and its cue symbol per modality. */
    public record EventClass(
            int index, String name, String description, int video, int audio, int text, int scene) {
        public int cue(Modality m) {
            return switch (m) {
                case VIDEO -> video;
                case AUDIO -> audio;
                case TEXT -> text;
                case METADATA -> scene;
            };
        }

        /** Whether the flash and the beep share a slot (classes with a timed cue pair). */
        public boolean synchronous() {
            return index == 6;
        }

        public boolean timed() {
            return video == VIDEO_FLASH && audio == AUDIO_BEEP;
        }
    }

    public static final List<EventClass> CLASSES =
            List.of(
                    new EventClass(
                            0,
                            "rain_hum",
                            "scene 0, drifting square, low hum, weather words",
                            VIDEO_DRIFT,
                            AUDIO_LOW,
                            TEXT_WEATHER,
                            0),
                    new EventClass(
                            1,
                            "rain_whistle",
                            "as rain_hum but a high whistle: differs only in audio",
                            VIDEO_DRIFT,
                            AUDIO_HIGH,
                            TEXT_WEATHER,
                            0),
                    new EventClass(
                            2,
                            "match_drift",
                            "scene 1, drifting square, low hum, sport words",
                            VIDEO_DRIFT,
                            AUDIO_LOW,
                            TEXT_SPORT,
                            1),
                    new EventClass(
                            3,
                            "match_bounce",
                            "as match_drift but a bouncing disc: differs only in video",
                            VIDEO_BOUNCE,
                            AUDIO_LOW,
                            TEXT_SPORT,
                            1),
                    new EventClass(
                            4,
                            "bounce_weather",
                            "scene 2, bouncing disc, high whistle, weather words",
                            VIDEO_BOUNCE,
                            AUDIO_HIGH,
                            TEXT_WEATHER,
                            2),
                    new EventClass(
                            5,
                            "bounce_sport",
                            "as bounce_weather but sport words: differs only in text",
                            VIDEO_BOUNCE,
                            AUDIO_HIGH,
                            TEXT_SPORT,
                            2),
                    new EventClass(
                            6,
                            "flash_beep_sync",
                            "scene 3, a flash and a beep in the same 200 ms slot, chatter",
                            VIDEO_FLASH,
                            AUDIO_BEEP,
                            TEXT_CHATTER,
                            3),
                    new EventClass(
                            7,
                            "flash_beep_async",
                            "as flash_beep_sync but flash and beep in different slots: only the"
                                    + " combination of video and audio tells them apart",
                            VIDEO_FLASH,
                            AUDIO_BEEP,
                            TEXT_CHATTER,
                            3));

    /** Symbol names per modality, in symbol order. */
    public static final Map<Modality, List<String>> ALPHABETS =
            Map.of(
                    Modality.VIDEO, List.of("drift", "bounce", "flash"),
                    Modality.AUDIO, List.of("low", "high", "beep"),
                    Modality.TEXT, List.of("weather", "sport", "chatter"),
                    Modality.METADATA, List.of("scene0", "scene1", "scene2", "scene3"));

    /** Caption keywords per text symbol (synonyms); chatter has none. */
    public static final List<List<String>> KEYWORDS =
            List.of(
                    List.of("rain", "drizzle", "downpour", "showers", "storm clouds", "wet"),
                    List.of("goal", "score", "penalty", "striker", "match point", "keeper"),
                    List.of());

    /** Words every caption may carry; some look like keywords but are not ("brain", "scored"). */
    public static final List<String> FILLERS =
            List.of(
                    "well",
                    "so",
                    "look at that",
                    "right then",
                    "honestly",
                    "today",
                    "people",
                    "over there",
                    "brain",
                    "training",
                    "reign",
                    "scoreboard lights",
                    "again",
                    "you know",
                    "later",
                    "the bus",
                    "coffee");

    private ClassCatalogue() {}

    public static List<String> alphabet(Modality m) {
        return ALPHABETS.get(m);
    }

    /** Whether a symbol of {@code m} carries a slot. */
    public static boolean isTimed(Modality m, int symbol) {
        return (m == Modality.VIDEO && symbol == VIDEO_FLASH)
                || (m == Modality.AUDIO && symbol == AUDIO_BEEP);
    }
}
