package io.avfuse.connectors.serde;

/**
 * How an Avro record is framed in a Kafka message value.
 *
 * <p>{@code AvroSerde.of(RecordType.VIDEO_FRAME, WireFormat.SINGLE_OBJECT)}
 */
public enum WireFormat {
    /**
     * Avro single-object encoding: {@code C3 01}, the 8-byte little-endian CRC-64-AVRO fingerprint
     * of the writer schema, then the binary body. Needs no registry.
     */
    SINGLE_OBJECT,
    /**
     * Confluent Schema Registry framing: magic byte {@code 0}, the 4-byte big-endian schema id,
     * then the binary body.
     */
    CONFLUENT
}
