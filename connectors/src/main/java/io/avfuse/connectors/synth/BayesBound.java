package io.avfuse.connectors.synth;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The best accuracy any classifier can reach from a subset of modalities, computed exactly from the
 * benchmark's construction: uniform classes; per modality, absent with probability {@code absence},
 * else replaced by a uniformly random symbol (and slot) with probability {@code noise}, else the
 * class's cue. The observer is ideal: it reads every symbol and slot without error, so real models
 * stay below these numbers.
 *
 * <p>{@code double videoOnly = BayesBound.accuracy(EnumSet.of(Modality.VIDEO), 0.2, 0.1);}
 */
public final class BayesBound {
    private static final int CLASSES = ClassCatalogue.CLASSES.size();
    private static final Modality[] ORDER = Modality.values();

    private BayesBound() {}

    /** The Bayes-optimal accuracy from the modalities in {@code observed}. */
    public static double accuracy(Set<Modality> observed, double noise, double absence) {
        Map<List<Integer>, double[]> table = new HashMap<>();
        for (ClassCatalogue.EventClass c : ClassCatalogue.CLASSES) {
            for (Map.Entry<List<Integer>, Double> e : joint(c, noise, absence).entrySet()) {
                List<Integer> key = new ArrayList<>(e.getKey());
                for (int m = 0; m < ORDER.length; m++) {
                    if (!observed.contains(ORDER[m])) {
                        key.set(m, -1);
                    }
                }
                table.computeIfAbsent(key, k -> new double[CLASSES])[c.index()] += e.getValue();
            }
        }
        double correct = 0;
        for (double[] likelihoods : table.values()) {
            double best = 0;
            for (double l : likelihoods) {
                best = Math.max(best, l);
            }
            correct += best / CLASSES;
        }
        return correct;
    }

    /** Every non-empty subset of modalities with its bound, singles first. */
    public static Map<Set<Modality>, Double> table(double noise, double absence) {
        Map<Set<Modality>, Double> bounds = new java.util.LinkedHashMap<>();
        List<Set<Modality>> subsets = new ArrayList<>();
        for (int mask = 1; mask < 1 << ORDER.length; mask++) {
            Set<Modality> s = EnumSet.noneOf(Modality.class);
            for (int m = 0; m < ORDER.length; m++) {
                if ((mask & 1 << m) != 0) {
                    s.add(ORDER[m]);
                }
            }
            subsets.add(s);
        }
        subsets.sort(java.util.Comparator.comparingInt(Set::size));
        for (Set<Modality> s : subsets) {
            bounds.put(s, accuracy(s, noise, absence));
        }
        return bounds;
    }

    /** P(observation of all four modalities | class), observations coded as in {@link #code}. */
    static Map<List<Integer>, Double> joint(
            ClassCatalogue.EventClass c, double noise, double absence) {
        Map<List<Integer>, Double> av = new HashMap<>();
        // Latent true slots of the timed cues: one shared slot (sync) or two different ones.
        int slots = c.timed() ? ClassCatalogue.SLOTS : 1;
        for (int sv = 0; sv < slots; sv++) {
            for (int sa = 0; sa < slots; sa++) {
                double prior;
                if (!c.timed()) {
                    prior = 1;
                } else if (c.synchronous()) {
                    prior = sv == sa ? 1.0 / slots : 0;
                } else {
                    prior = sv != sa ? 1.0 / (slots * (slots - 1)) : 0;
                }
                if (prior == 0) {
                    continue;
                }
                Cue video = new Cue(c.video(), c.timed() ? sv : -1);
                Cue audio = new Cue(c.audio(), c.timed() ? sa : -1);
                for (var v : observations(Modality.VIDEO, video, noise, absence).entrySet()) {
                    for (var a : observations(Modality.AUDIO, audio, noise, absence).entrySet()) {
                        av.merge(
                                List.of(v.getKey(), a.getKey()),
                                prior * v.getValue() * a.getValue(),
                                Double::sum);
                    }
                }
            }
        }
        Map<Integer, Double> text = observations(Modality.TEXT, Cue.of(c.text()), noise, absence);
        Map<Integer, Double> meta =
                observations(Modality.METADATA, Cue.of(c.scene()), noise, absence);
        Map<List<Integer>, Double> joint = new HashMap<>();
        for (var va : av.entrySet()) {
            for (var t : text.entrySet()) {
                for (var m : meta.entrySet()) {
                    joint.put(
                            List.of(va.getKey().get(0), va.getKey().get(1), t.getKey(), m.getKey()),
                            va.getValue() * t.getValue() * m.getValue());
                }
            }
        }
        return joint;
    }

    /** P(observation | true cue) for one modality. */
    static Map<Integer, Double> observations(Modality m, Cue truth, double noise, double absence) {
        Map<Integer, Double> p = new HashMap<>();
        p.put(code(m, null), absence);
        List<String> alphabet = ClassCatalogue.alphabet(m);
        for (int s = 0; s < alphabet.size(); s++) {
            if (ClassCatalogue.isTimed(m, s)) {
                for (int slot = 0; slot < ClassCatalogue.SLOTS; slot++) {
                    double random = (1 - absence) * noise / alphabet.size() / ClassCatalogue.SLOTS;
                    p.merge(code(m, new Cue(s, slot)), random, Double::sum);
                }
            } else {
                p.merge(code(m, Cue.of(s)), (1 - absence) * noise / alphabet.size(), Double::sum);
            }
        }
        p.merge(code(m, truth), (1 - absence) * (1 - noise), Double::sum);
        return p;
    }

    /** 0 for absent, then one code per symbol, timed symbols one per slot. */
    static int code(Modality m, Cue cue) {
        if (cue == null) {
            return 0;
        }
        int code = 1;
        for (int s = 0; s < cue.symbol(); s++) {
            code += ClassCatalogue.isTimed(m, s) ? ClassCatalogue.SLOTS : 1;
        }
        return code + Math.max(0, cue.slot());
    }
}
