package io.avfuse.jobs.align;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Flink's type of {@link ModalityEvent}, which {@code TypeInformation.of(ModalityEvent.class)}
 * returns through the class's {@code @TypeInfo}: serialized by {@link ModalityEventSerializer}.
 */
public final class ModalityEventTypeInfo extends TypeInformation<ModalityEvent> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<ModalityEvent> getTypeClass() {
        return ModalityEvent.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<ModalityEvent> createSerializer(SerializerConfig config) {
        return new ModalityEventSerializer();
    }

    @Override
    public String toString() {
        return "ModalityEvent";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModalityEventTypeInfo;
    }

    @Override
    public int hashCode() {
        return ModalityEventTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof ModalityEventTypeInfo;
    }

    /** Named by {@code @TypeInfo} on {@link ModalityEvent}. */
    public static final class Factory extends TypeInfoFactory<ModalityEvent> {
        @Override
        public TypeInformation<ModalityEvent> createTypeInfo(
                Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new ModalityEventTypeInfo();
        }
    }
}
