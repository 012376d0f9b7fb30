package io.avfuse.connectors.ingest;

import io.avfuse.connectors.kafka.KafkaAccess;
import io.avfuse.connectors.kafka.KafkaConnection;
import io.avfuse.connectors.serde.AvroKafkaSerializer;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes ingest records with one idempotent {@code acks=all} producer per record type, keyed by
 * stream id, values framed by {@link AvroKafkaSerializer}. Before a record is sent its size is
 * compared with the producer's {@code max.request.size}, so an oversized frame fails with a message
 * that says which option to change instead of a late {@link RecordTooLargeException}.
 *
 * <p>{@code new KafkaRecordSink(KafkaConnection.to("127.0.0.1:9092"), WireFormat.SINGLE_OBJECT,
 * "av.video.frames", "av.audio.chunks", "av.text.events")}
 */
public final class KafkaRecordSink implements RecordSink {
    /** Upper bound of what Kafka adds around a value: batch and record headers, the key. */
    private static final int OVERHEAD_BYTES = 256;

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final Topic<VideoFrame> video;
    private final Topic<AudioChunk> audio;
    private final Topic<TextEvent> text;
    private final int maxRequestSize;
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private final KafkaConnection connection;

    public KafkaRecordSink(
            KafkaConnection connection,
            WireFormat format,
            String videoTopic,
            String audioTopic,
            String textTopic) {
        this.connection = connection;
        Properties props = producerProperties(connection);
        String maxRequest = props.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "1048576");
        try {
            this.maxRequestSize = Integer.parseInt(maxRequest.strip());
        } catch (NumberFormatException e) {
            throw new IngestException(
                    IngestException.PUBLISH,
                    "--kafka-property max.request.size="
                            + maxRequest
                            + " is not a number of bytes");
        }
        this.video = new Topic<>(videoTopic, RecordType.VIDEO_FRAME, format, props);
        this.audio = new Topic<>(audioTopic, RecordType.AUDIO_CHUNK, format, props);
        this.text = new Topic<>(textTopic, RecordType.TEXT_EVENT, format, props);
        // Fetch every topic's metadata at once, before decoding starts: fails fast on a wrong
        // address or topic, and the three producers' first sends do not wait in turn.
        try {
            CompletableFuture.allOf(
                            CompletableFuture.runAsync(video::warmUp),
                            CompletableFuture.runAsync(audio::warmUp),
                            CompletableFuture.runAsync(text::warmUp))
                    .join();
        } catch (CompletionException e) {
            close();
            throw e.getCause() instanceof IngestException i ? i : e;
        }
    }

    static Properties producerProperties(KafkaConnection connection) {
        Properties props = new Properties();
        props.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        props.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.setProperty(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.setProperty(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        props.setProperty(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        props.setProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        // The user's properties (SASL, SSL, sizes, ...) win over the defaults above.
        props.putAll(connection.clientProperties());
        return props;
    }

    @Override
    public void video(VideoFrame frame) {
        checkSize(
                frame.getData().remaining(),
                frame.getStreamId(),
                "VideoFrame " + frame.getFrameIndex(),
                "make frames smaller (--width/--height, --encoding jpeg, --jpeg-quality)");
        video.send(frame, failure);
        rethrow();
    }

    @Override
    public void audio(AudioChunk chunk) {
        checkSize(
                chunk.getSamples().remaining(),
                chunk.getStreamId(),
                "AudioChunk " + chunk.getChunkIndex(),
                "use shorter chunks (--chunk-ms)");
        audio.send(chunk, failure);
        rethrow();
    }

    @Override
    public void text(TextEvent event) {
        checkSize(
                event.getText().length() * 4L,
                event.getStreamId(),
                "TextEvent at " + event.getEventTimeUs(),
                "shorten the text");
        text.send(event, failure);
        rethrow();
    }

    private void checkSize(long payloadBytes, String streamId, String what, String smaller) {
        long estimate =
                payloadBytes
                        + 2L * streamId.getBytes(StandardCharsets.UTF_8).length
                        + OVERHEAD_BYTES;
        if (estimate > maxRequestSize) {
            throw tooLarge(what + " of stream " + streamId + " (~" + estimate + " bytes)", smaller);
        }
    }

    private IngestException tooLarge(String what, String smaller) {
        return new IngestException(
                IngestException.PUBLISH,
                what
                        + " is larger than the producer's max.request.size ("
                        + maxRequestSize
                        + " bytes): "
                        + smaller
                        + ", or raise the limits with --kafka-property max.request.size=BYTES"
                        + " and the topic's max.message.bytes");
    }

    private void rethrow() {
        RuntimeException e = failure.get();
        if (e != null) {
            throw e;
        }
    }

    @Override
    public void flush() {
        video.producer.flush();
        audio.producer.flush();
        text.producer.flush();
        rethrow();
    }

    @Override
    public void close() {
        CompletableFuture.allOf(
                        CompletableFuture.runAsync(() -> video.producer.close(CLOSE_TIMEOUT)),
                        CompletableFuture.runAsync(() -> audio.producer.close(CLOSE_TIMEOUT)),
                        CompletableFuture.runAsync(() -> text.producer.close(CLOSE_TIMEOUT)))
                .join();
    }

    private final class Topic<T extends SpecificRecord> {
        final String name;
        final RecordType<T> type;
        final KafkaProducer<String, T> producer;

        Topic(String name, RecordType<T> type, WireFormat format, Properties props) {
            this.name = name;
            this.type = type;
            this.producer =
                    new KafkaProducer<>(
                            props, new StringSerializer(), new AvroKafkaSerializer<>(type, format));
        }

        void warmUp() {
            try {
                producer.partitionsFor(name);
            } catch (KafkaException e) {
                java.util.Optional<String> auth = KafkaAccess.authenticationFailure(e, connection);
                if (auth.isPresent()) {
                    throw new IngestException(IngestException.PUBLISH, auth.get(), e);
                }
                throw new IngestException(
                        IngestException.PUBLISH,
                        "cannot reach topic "
                                + name
                                + " ("
                                + e.getClass().getSimpleName()
                                + ": "
                                + e.getMessage()
                                + "); check --bootstrap-servers and that the topic exists",
                        e);
            }
        }

        void send(T record, AtomicReference<RuntimeException> firstFailure) {
            try {
                producer.send(
                        new ProducerRecord<>(name, type.keyOf(record), record),
                        (metadata, e) -> {
                            if (e != null) {
                                firstFailure.compareAndSet(null, translate(e));
                            }
                        });
            } catch (KafkaException e) {
                throw translate(e);
            }
        }

        private RuntimeException translate(Exception e) {
            if (e instanceof RecordTooLargeException) {
                return tooLarge(
                        "a " + type + " for topic " + name,
                        "make records smaller (--width/--height, --encoding jpeg, --chunk-ms)");
            }
            java.util.Optional<String> auth = KafkaAccess.authenticationFailure(e, connection);
            if (auth.isPresent()) {
                return new IngestException(IngestException.PUBLISH, auth.get(), e);
            }
            return new IngestException(
                    IngestException.PUBLISH,
                    "cannot publish to "
                            + name
                            + ": "
                            + e.getClass().getSimpleName()
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }
}
