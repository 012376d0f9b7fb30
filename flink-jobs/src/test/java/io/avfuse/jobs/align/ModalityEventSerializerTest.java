package io.avfuse.jobs.align;

import static io.avfuse.jobs.align.AlignFixtures.caption;
import static io.avfuse.jobs.align.AlignFixtures.chunk;
import static io.avfuse.jobs.align.AlignFixtures.frame;
import static io.avfuse.jobs.align.AlignFixtures.metadata;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class ModalityEventSerializerTest {
    private final TypeSerializer<ModalityEvent> serializer =
            TypeInformation.of(ModalityEvent.class).createSerializer(new SerializerConfigImpl());

    private final List<ModalityEvent> events =
            List.of(
                    ModalityEvent.of(frame("a", 3)),
                    ModalityEvent.of(chunk("b", 5)),
                    ModalityEvent.of(caption("c", 100_000, 200_000, "hello")),
                    ModalityEvent.of(metadata("d", 300_000, 1.5)));

    @Test
    void everyModalityComesBackAsItWent() throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(256);
        for (ModalityEvent e : events) {
            serializer.serialize(e, out);
        }
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        for (ModalityEvent e : events) {
            ModalityEvent back = serializer.deserialize(in);
            assertThat(back.modality()).isEqualTo(e.modality());
            assertThat(back.video).isEqualTo(e.video);
            assertThat(back.audio).isEqualTo(e.audio);
            assertThat(back.text).isEqualTo(e.text);
        }
        assertThat(in.available()).isZero();
    }

    @Test
    void aCopyIsEqualButNotTheSameRecord() {
        for (ModalityEvent e : events) {
            ModalityEvent copy = serializer.copy(e);
            assertThat(copy.toString()).isEqualTo(e.toString());
            Object original = e.video != null ? e.video : e.audio != null ? e.audio : e.text;
            Object copied =
                    copy.video != null ? copy.video : copy.audio != null ? copy.audio : copy.text;
            assertThat(copied).isEqualTo(original).isNotSameAs(original);
        }
    }

    @Test
    void anUnknownTagIsAnError() {
        DataInputDeserializer in = new DataInputDeserializer(new byte[] {9, 0, 0});
        assertThatThrownBy(() -> serializer.deserialize(in))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("tag 9");
    }
}
