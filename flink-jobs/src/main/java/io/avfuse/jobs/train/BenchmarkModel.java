package io.avfuse.jobs.train;

import io.avfuse.jobs.encode.AudioEncoderKind;
import io.avfuse.jobs.encode.FrameEncoderKind;
import io.avfuse.jobs.encode.TemporalPooling;
import io.avfuse.jobs.encode.TextEncoderKind;
import io.avfuse.jobs.fuse.FusionKind;
import io.avfuse.jobs.model.ModelManifest;
import java.util.List;

/**
 * The model shape avfuse trains for the benchmark clips (8 frames of 48 x 64 per 1 s window, the
 * default log-mel front end, 8 caption tokens), with the choices a user makes.
 *
 * <p>{@code ModelManifest m = BenchmarkModel.manifest("v1", FusionKind.GATED, TemporalPooling.MEAN,
 * 32, vocabulary.size(), data.features());}
 */
public final class BenchmarkModel {
    public static final int MAX_TOKENS = 8;

    private BenchmarkModel() {}

    public static ModelManifest manifest(
            String version,
            FusionKind fusion,
            TemporalPooling pooling,
            int embedding,
            int vocabulary,
            List<String> features) {
        return manifest(
                version, fusion, pooling, embedding, vocabulary, features, null, null, null);
    }

    /** The same with the encoders named; {@code null} takes the manifest's default. */
    public static ModelManifest manifest(
            String version,
            FusionKind fusion,
            TemporalPooling pooling,
            int embedding,
            int vocabulary,
            List<String> features,
            FrameEncoderKind frameEncoder,
            AudioEncoderKind audioEncoder,
            TextEncoderKind textEncoder) {
        return ModelManifest.builder(
                        version,
                        ClipRecording.classNames(),
                        List.of("video", "audio", "text", "metadata"))
                .embedding(embedding)
                .fusion(fusion)
                .frames(ClipRecording.FRAMES)
                .frameSize(48, 64)
                .maxTokens(MAX_TOKENS)
                .vocabulary(vocabulary)
                .features(features)
                .featureClip(5f)
                .videoPooling(pooling)
                .frameEncoder(frameEncoder)
                .audioEncoder(audioEncoder)
                .textEncoder(textEncoder)
                .build();
    }
}
