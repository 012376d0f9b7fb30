package io.avfuse.connectors.serde;

import io.avfuse.schemas.AlignedWindow;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.DeadLetter;
import io.avfuse.schemas.Embedding;
import io.avfuse.schemas.Prediction;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;

/**
 * A static map between Confluent schema-registry ids and writer schemas, for teams whose producers
 * and consumers already use registry framing. Serializers write {@link #idOf(Schema)};
 * deserializers resolve any id in the map.
 *
 * <p>{@code SchemaIds.defaults().with(42, oldVideoFrameSchema)}
 */
public final class SchemaIds implements Serializable {
    private static final long serialVersionUID = 1L;

    // Schemas are kept as JSON so the map travels inside Flink job graphs.
    private final Map<Integer, String> schemaJsonById;
    private transient Map<Integer, Schema> byId;
    private transient Map<String, Integer> idByCanonicalForm;

    private SchemaIds(Map<Integer, String> schemaJsonById) {
        this.schemaJsonById = Map.copyOf(schemaJsonById);
    }

    /**
     * Ids 1 to 6 for the current VideoFrame, AudioChunk, TextEvent, Prediction, Embedding,
     * DeadLetter.
     */
    public static SchemaIds defaults() {
        Map<Integer, String> ids = new HashMap<>();
        ids.put(1, VideoFrame.getClassSchema().toString());
        ids.put(2, AudioChunk.getClassSchema().toString());
        ids.put(3, TextEvent.getClassSchema().toString());
        ids.put(4, Prediction.getClassSchema().toString());
        ids.put(5, Embedding.getClassSchema().toString());
        ids.put(6, DeadLetter.getClassSchema().toString());
        ids.put(7, AlignedWindow.getClassSchema().toString());
        return new SchemaIds(ids);
    }

    /** A copy with one more (or a replaced) id. */
    public SchemaIds with(int id, Schema schema) {
        Map<Integer, String> copy = new HashMap<>(schemaJsonById);
        copy.put(id, Objects.requireNonNull(schema).toString());
        return new SchemaIds(copy);
    }

    /** The writer schema registered under {@code id}, or null. */
    public Schema schemaOf(int id) {
        return index().get(id);
    }

    /** The id under which {@code schema} is registered. */
    public int idOf(Schema schema) {
        index();
        Integer id = idByCanonicalForm.get(schema.toString());
        if (id == null) {
            throw new IllegalArgumentException(
                    "no schema id registered for " + schema.getFullName() + " in " + this);
        }
        return id;
    }

    private Map<Integer, Schema> index() {
        if (byId == null) {
            Map<Integer, Schema> schemas = new HashMap<>();
            Map<String, Integer> ids = new HashMap<>();
            schemaJsonById.forEach(
                    (id, json) -> {
                        Schema schema = new Schema.Parser().parse(json);
                        schemas.put(id, schema);
                        ids.put(schema.toString(), id);
                    });
            byId = schemas;
            idByCanonicalForm = ids;
        }
        return byId;
    }

    @Override
    public String toString() {
        return "SchemaIds" + schemaJsonById.keySet();
    }
}
