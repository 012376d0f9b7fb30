package io.avfuse.jobs.job;

import static io.avfuse.jobs.align.AlignFixtures.T0;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.jobs.align.AlignFixtures;
import io.avfuse.jobs.align.Modality;
import io.avfuse.jobs.align.ModalityEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Streams with known timestamps for the job ITCases: {@code streams} of {@code seconds} of A/V,
 * with modalities cut from a given second on, extra events, and a "clock" stream 20 s ahead that
 * carries the video and audio watermarks past every window.
 */
final class Scenario {
    final String video;
    final String audio;
    final String text;
    private final List<ModalityEvent> events = new ArrayList<>();

    Scenario(KafkaBrokerExtension kafka, String prefix) {
        video = kafka.uniqueTopic(prefix + "-video");
        audio = kafka.uniqueTopic(prefix + "-audio");
        text = kafka.uniqueTopic(prefix + "-text");
        kafka.createTopics(1, (short) 1, video, audio);
        kafka.createTopics(3, (short) 1, text); // some partitions never see a record: idleness
    }

    /** A/V of {@code stream} for {@code seconds}, without {@code cut} from {@code cutAtUs} on. */
    Scenario av(String stream, int seconds, Modality cut, long cutAtUs) {
        for (ModalityEvent e : AlignFixtures.av(stream, 0, seconds * 1_000_000L)) {
            if (cut == null || e.modality() != cut || e.eventTimeUs() < T0 + cutAtUs) {
                events.add(e);
            }
        }
        return this;
    }

    Scenario add(ModalityEvent e) {
        events.add(e);
        return this;
    }

    /** Every event so far (after {@link #produce}: with the clock stream's). */
    List<ModalityEvent> events() {
        return List.copyOf(events);
    }

    void produce(KafkaBrokerExtension kafka, List<ProducerRecord<byte[], byte[]>> extra)
            throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(withClock());
        records.addAll(extra);
        KafkaTestClients.produce(kafka.bootstrapServers(), records);
    }

    /** The records of every event so far and of the clock stream, not yet sent. */
    List<ProducerRecord<byte[], byte[]>> withClock() {
        events.add(ModalityEvent.of(AlignFixtures.frame("clock", 500)));
        events.add(ModalityEvent.of(AlignFixtures.chunk("clock", 1000)));
        return AlignFixtures.records(events, video, audio, text);
    }
}
