package io.avfuse.jobs.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MiniLM through DJL's ONNX Runtime engine against an independent implementation of the same model
 * (langchain4j's, on onnxruntime directly), and on what sentence embeddings are for.
 */
class MiniLmTextEmbedderTest {
    private static final List<String> SENTENCES =
            List.of(
                    "A dog is barking loudly in the back yard.",
                    "The quarterly earnings beat analyst expectations.",
                    "Speech detected near the front door camera",
                    "héllo wörld — unicode, punctuation!?",
                    "a",
                    "The conductor raised the baton and the orchestra began to play a slow,"
                            + " mournful symphony that filled the whole concert hall with sound.");

    private static MiniLmTextEmbedder minilm;

    @BeforeAll
    static void load() throws IOException {
        PretrainedFiles f = PretrainedFixtures.files();
        minilm = MiniLmTextEmbedder.load(f.minilmModel(), f.minilmTokenizer(), 128);
    }

    @AfterAll
    static void close() {
        minilm.close();
    }

    @Test
    void matchesLangchain4jImplementationOfTheSameModel() {
        AllMiniLmL6V2QuantizedEmbeddingModel oracle = new AllMiniLmL6V2QuantizedEmbeddingModel();
        float[][] ours = minilm.embed(SENTENCES);
        double worst = 1;
        for (int i = 0; i < SENTENCES.size(); i++) {
            float[] theirs = oracle.embed(SENTENCES.get(i)).content().vector();
            assertThat(ours[i]).hasSize(MiniLmTextEmbedder.DIMENSION).hasSameSizeAs(theirs);
            double cos = cosine(ours[i], theirs);
            worst = Math.min(worst, cos);
            assertThat(cos)
                    .as("cosine with langchain4j for '%s'", SENTENCES.get(i))
                    .isGreaterThan(0.999);
            assertThat(norm(ours[i])).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        }
        System.out.printf("MiniLM vs langchain4j: worst cosine %.7f%n", worst);
    }

    @Test
    void aTextsVectorDoesNotDependOnItsBatch() {
        float[][] batch = minilm.embed(SENTENCES);
        for (int i = 0; i < SENTENCES.size(); i++) {
            float[] alone = minilm.embed(List.of(SENTENCES.get(i)))[0];
            assertThat(alone).containsExactly(batch[i]);
        }
    }

    @Test
    void paraphraseIsCloserThanAnUnrelatedSentence() {
        float[][] v =
                minilm.embed(
                        List.of(
                                "A man is playing the guitar on stage.",
                                "Someone performs a song on a guitar in front of an audience.",
                                "The bank raised interest rates by half a percent."));
        double paraphrase = cosine(v[0], v[1]);
        double unrelated = cosine(v[0], v[2]);
        System.out.printf(
                "MiniLM cosine: paraphrase %.3f, unrelated %.3f%n", paraphrase, unrelated);
        assertThat(paraphrase).isGreaterThan(unrelated + 0.3);
    }

    @Test
    void captionRetrievesItsOwnParaphrase() {
        List<String> captions =
                List.of(
                        "A child kicks a red ball across a grassy park.",
                        "Heavy rain floods the city streets at night.",
                        "A chef slices vegetables in a busy restaurant kitchen.",
                        "Two cats sleep curled up on a sofa.",
                        "An airplane takes off from a snowy runway.",
                        "A crowd cheers as the team scores a goal.");
        List<String> paraphrases =
                List.of(
                        "In the park a kid is kicking a red ball over the grass.",
                        "At night the streets of the town are flooded by a downpour.",
                        "In a crowded kitchen a cook is cutting up vegetables.",
                        "A pair of cats are asleep, curled on the couch.",
                        "A plane departs from a runway covered in snow.",
                        "Fans in the stadium cheer when their side scores.");
        float[][] c = minilm.embed(captions);
        float[][] p = minilm.embed(paraphrases);
        int hits = 0;
        for (int i = 0; i < c.length; i++) {
            int best = 0;
            for (int j = 1; j < p.length; j++) {
                if (cosine(c[i], p[j]) > cosine(c[i], p[best])) {
                    best = j;
                }
            }
            hits += best == i ? 1 : 0;
        }
        System.out.printf("MiniLM caption -> paraphrase top-1: %d of %d%n", hits, c.length);
        assertThat(hits).isEqualTo(c.length);
    }

    @Test
    void missingOrWrongFilesFailNamingTheFile(@TempDir Path tmp) throws IOException {
        PretrainedFiles f = PretrainedFixtures.files();
        Path missing = tmp.resolve("nope.onnx");
        assertThatThrownBy(() -> MiniLmTextEmbedder.load(missing, f.minilmTokenizer(), 128))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(missing.toString());
        // The Silero file is a valid ONNX model, but not this one.
        assertThatThrownBy(() -> MiniLmTextEmbedder.load(f.sileroVad(), f.minilmTokenizer(), 128))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(f.sileroVad().toString())
                .hasMessageContaining("input_ids");
        Path garbage = Files.writeString(tmp.resolve("garbage.onnx"), "not a model");
        assertThatThrownBy(() -> MiniLmTextEmbedder.load(garbage, f.minilmTokenizer(), 128))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(garbage.toString());
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot / (norm(a) * norm(b));
    }

    private static double norm(float[] a) {
        double s = 0;
        for (float x : a) {
            s += x * x;
        }
        return Math.sqrt(s);
    }
}
