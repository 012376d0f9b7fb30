package io.avfuse.jobs.encode;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the project's own Hugging Face {@code tokenizer.json} from a corpus: a word-level
 * vocabulary of the most frequent lower-cased words and punctuation runs, with {@code [PAD]} = 0
 * and {@code [UNK]} = 1. Nothing is downloaded; DJL's tokenizer loads the file from its path.
 *
 * <p>{@code WordVocabulary.build(lines, 2000).write(dir.resolve("tokenizer.json"));}
 */
public final class WordVocabulary {
    public static final String PAD = "[PAD]";
    public static final String UNK = "[UNK]";

    /** The split of the tokenizers library's {@code Whitespace} pre-tokenizer. */
    private static final Pattern WORD = Pattern.compile("\\w+|[^\\w\\s]+");

    private final List<String> words;

    private WordVocabulary(List<String> words) {
        this.words = List.copyOf(words);
    }

    /** The {@code size - 2} most frequent tokens of {@code corpus} (ties: alphabetical). */
    public static WordVocabulary build(Iterable<String> corpus, int size) {
        Map<String, Integer> counts = new HashMap<>();
        for (String line : corpus) {
            Matcher m = WORD.matcher(line.toLowerCase(Locale.ROOT));
            while (m.find()) {
                counts.merge(m.group(), 1, Integer::sum);
            }
        }
        List<String> top =
                counts.entrySet().stream()
                        .sorted(
                                Map.Entry.<String, Integer>comparingByValue()
                                        .reversed()
                                        .thenComparing(Map.Entry.comparingByKey()))
                        .limit(Math.max(0, size - 2))
                        .map(Map.Entry::getKey)
                        .toList();
        java.util.ArrayList<String> all = new java.util.ArrayList<>(List.of(PAD, UNK));
        all.addAll(top);
        return new WordVocabulary(all);
    }

    public int size() {
        return words.size();
    }

    public List<String> words() {
        return words;
    }

    /** Writes a tokenizer.json (WordLevel model, lowercase normaliser, whitespace split). */
    public void write(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < 2; id++) {
            added.addObject()
                    .put("id", id)
                    .put("content", words.get(id))
                    .put("single_word", false)
                    .put("lstrip", false)
                    .put("rstrip", false)
                    .put("normalized", false)
                    .put("special", true);
        }
        root.putObject("normalizer").put("type", "Lowercase");
        root.putObject("pre_tokenizer").put("type", "Whitespace");
        root.putNull("post_processor");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < words.size(); id++) {
            vocab.put(words.get(id), id);
        }
        model.put("unk_token", UNK);
        Files.createDirectories(file.toAbsolutePath().getParent());
        json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    }
}
