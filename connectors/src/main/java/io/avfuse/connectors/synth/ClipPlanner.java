package io.avfuse.connectors.synth;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Draws the windows of one clip from a seed, following exactly the model {@link BayesBound}
 * assumes: uniform classes; each modality absent with probability {@code absence} (in runs: an
 * absent window stays absent with probability 1/2, and the entry rate keeps the overall rate at
 * {@code absence}); a present cue replaced by a uniformly random one with probability {@code
 * noise}.
 *
 * <p>{@code List<WindowPlan> windows = new ClipPlanner(42, 0.2, 0.1).plan(12);}
 */
public final class ClipPlanner {
    private static final double STAY_ABSENT = 0.5;

    private final Random random;
    private final double noise;
    private final double absence;

    public ClipPlanner(long seed, double noise, double absence) {
        if (noise < 0 || noise > 1 || absence < 0 || absence >= 1) {
            throw new IllegalArgumentException("noise must be in [0,1], absence in [0,1)");
        }
        this.random = new Random(seed);
        this.noise = noise;
        this.absence = absence;
    }

    public List<WindowPlan> plan(int windows) {
        double enterAbsent = STAY_ABSENT * absence / (1 - absence);
        Map<Modality, Boolean> absent = new EnumMap<>(Modality.class);
        for (Modality m : Modality.values()) {
            absent.put(m, random.nextDouble() < absence);
        }
        List<WindowPlan> plans = new ArrayList<>();
        for (int w = 0; w < windows; w++) {
            if (w > 0) {
                for (Modality m : Modality.values()) {
                    double p = absent.get(m) ? STAY_ABSENT : enterAbsent;
                    absent.put(m, random.nextDouble() < p);
                }
            }
            plans.add(window(w, absent));
        }
        return plans;
    }

    private WindowPlan window(int index, Map<Modality, Boolean> absent) {
        ClassCatalogue.EventClass c =
                ClassCatalogue.CLASSES.get(random.nextInt(ClassCatalogue.CLASSES.size()));
        int videoSlot = random.nextInt(ClassCatalogue.SLOTS);
        int audioSlot = videoSlot;
        if (c.timed() && !c.synchronous()) {
            audioSlot =
                    (videoSlot + 1 + random.nextInt(ClassCatalogue.SLOTS - 1))
                            % ClassCatalogue.SLOTS;
        }
        Map<Modality, Cue> truth = new EnumMap<>(Modality.class);
        truth.put(Modality.VIDEO, new Cue(c.video(), c.timed() ? videoSlot : -1));
        truth.put(Modality.AUDIO, new Cue(c.audio(), c.timed() ? audioSlot : -1));
        truth.put(Modality.TEXT, Cue.of(c.text()));
        truth.put(Modality.METADATA, Cue.of(c.scene()));

        Map<Modality, Cue> cues = new EnumMap<>(Modality.class);
        Set<Modality> noisy = EnumSet.noneOf(Modality.class);
        for (Modality m : Modality.values()) {
            // Draw the noise for every modality, present or not, so that one modality's absence
            // does not shift the random stream of the others.
            boolean replace = random.nextDouble() < noise;
            Cue randomCue = randomCue(m);
            if (absent.get(m)) {
                continue;
            }
            cues.put(m, replace ? randomCue : truth.get(m));
            if (replace) {
                noisy.add(m);
            }
        }
        String caption = cues.containsKey(Modality.TEXT) ? caption(cues.get(Modality.TEXT)) : null;
        Map<String, Double> features =
                cues.containsKey(Modality.METADATA) ? features(cues.get(Modality.METADATA)) : null;
        return new WindowPlan(index, c.index(), cues, noisy, caption, features);
    }

    private Cue randomCue(Modality m) {
        int symbol = random.nextInt(ClassCatalogue.alphabet(m).size());
        int slot = random.nextInt(ClassCatalogue.SLOTS);
        return new Cue(symbol, ClassCatalogue.isTimed(m, symbol) ? slot : -1);
    }

    private String caption(Cue cue) {
        List<String> keywords = ClassCatalogue.KEYWORDS.get(cue.symbol());
        List<String> words = new ArrayList<>();
        words.add(pick(ClassCatalogue.FILLERS));
        if (!keywords.isEmpty()) {
            words.add(pick(keywords));
        }
        words.add(pick(ClassCatalogue.FILLERS));
        if (random.nextBoolean()) {
            words.add(pick(ClassCatalogue.FILLERS));
        }
        // The keyword is not always in the middle.
        java.util.Collections.shuffle(words, random);
        return String.join(" ", words);
    }

    /** Two scene coordinates (the scene's corner of the unit square, blurred) and two decoys. */
    private Map<String, Double> features(Cue cue) {
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("scene_x", round((cue.symbol() >> 1) + 0.15 * random.nextGaussian()));
        f.put("scene_y", round((cue.symbol() & 1) + 0.15 * random.nextGaussian()));
        f.put("temperature", round(15 + 8 * random.nextGaussian()));
        f.put("crowd", (double) random.nextInt(500));
        return f;
    }

    private String pick(List<String> words) {
        return words.get(random.nextInt(words.size()));
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
