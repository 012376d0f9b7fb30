package io.avfuse.jobs.align;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.CompositeType;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.junit.jupiter.api.Test;

/**
 * What crosses the network or sits in state has a serializer of its own or is a POJO of Avro types:
 * no Kryo fallback.
 */
class AlignedTypesTest {

    @Test
    void eventsHaveTheirOwnSerializer() {
        assertThat(TypeInformation.of(ModalityEvent.class))
                .isInstanceOf(ModalityEventTypeInfo.class);
        assertThat(new StreamAligner(AlignerConfig.defaults()).pendingWindowsState())
                .extracting(d -> d.getValueSerializer())
                .isInstanceOf(PendingWindowSerializer.class);
    }

    @Test
    void stateIsFlinkPojosWithoutGenericFields() {
        // PendingWindow's POJO layout is what state of earlier versions was written in.
        for (Class<?> c : List.of(PendingWindow.class, StreamProgress.class)) {
            TypeInformation<?> info = TypeInformation.of(c);
            assertThat(info).as(c.getSimpleName()).isInstanceOf(PojoTypeInfo.class);
            assertThat(genericLeaves(info)).as(c.getSimpleName()).isEmpty();
            assertThat(info.toString()).as(c.getSimpleName()).doesNotContain("Kryo");
        }
    }

    private static List<String> genericLeaves(TypeInformation<?> info) {
        List<String> found = new ArrayList<>();
        if (info instanceof AvroTypeInfo<?>) {
            return found; // serialized by Avro as a whole; its field view is only for key selection
        }
        if (info instanceof GenericTypeInfo<?>) {
            found.add(info.toString());
        } else if (info instanceof CompositeType<?> composite) {
            for (int i = 0; i < composite.getArity(); i++) {
                found.addAll(genericLeaves(composite.getTypeAt(i)));
            }
        } else if (info
                instanceof org.apache.flink.api.java.typeutils.ObjectArrayTypeInfo<?, ?> array) {
            found.addAll(genericLeaves(array.getComponentInfo()));
        }
        return found;
    }
}
