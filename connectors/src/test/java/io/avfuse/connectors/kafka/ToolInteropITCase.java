package io.avfuse.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.avfuse.connectors.broker.KafkaBrokerExtension;
import io.avfuse.connectors.serde.AvroKafkaDeserializer;
import io.avfuse.connectors.serde.AvroSerde;
import io.avfuse.connectors.serde.RecordType;
import io.avfuse.connectors.serde.SchemaIds;
import io.avfuse.connectors.serde.WireFormat;
import io.avfuse.connectors.testing.KafkaTestClients;
import io.avfuse.connectors.testing.TestRecords;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Independent tools agree with avfuse: what avfuse writes, {@code kcat} (apt) fetches from the
 * broker and {@code avro-tools} (Maven Central) decodes; what avro-tools encodes and kcat produces,
 * avfuse reads. Both tools are required: .ci/run installs kcat, the build copies avro-tools to
 * target/tools.
 */
class ToolInteropITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path avroTools;

    @TempDir Path tmp;

    @BeforeAll
    static void findTools() throws Exception {
        avroTools =
                Path.of(
                        System.getProperty("avfuse.build.dir", "target"),
                        "tools",
                        "avro-tools.jar");
        assertThat(avroTools)
                .as("avro-tools is copied by the build (pre-integration-test)")
                .exists();
        Tool kcat = run(List.of("kcat", "-V"), null);
        assertThat(kcat.exit).as("kcat must be installed: apt-get install kcat").isZero();
    }

    static Stream<Arguments> typesAndFormats() {
        return RecordType.ALL.stream()
                .flatMap(t -> Stream.of(WireFormat.values()).map(f -> Arguments.of(t, f)));
    }

    @ParameterizedTest
    @MethodSource("typesAndFormats")
    <T extends SpecificRecord> void avfuseWritesKcatReadsAvroToolsDecodes(
            RecordType<T> type, WireFormat format) throws Exception {
        String topic = KAFKA.uniqueTopic("to-tools-" + type.name());
        KAFKA.createTopics(1, (short) 1, topic);
        T record = TestRecords.sample(type, "cam-1", 3);
        byte[] value = AvroSerde.of(type, format).encode(record);
        KafkaTestClients.produce(
                KAFKA.bootstrapServers(),
                List.of(new ProducerRecord<>(topic, type.keyOf(record).getBytes(), value)));

        Tool fetched =
                run(
                        List.of(
                                "kcat",
                                "-C",
                                "-b",
                                KAFKA.bootstrapServers(),
                                "-t",
                                topic,
                                "-o",
                                "beginning",
                                "-c",
                                "1",
                                "-e",
                                "-q",
                                "-f",
                                "%s"),
                        null);
        assertThat(fetched.exit).as(fetched.stderr()).isZero();
        assertThat(fetched.stdout).isEqualTo(value);

        Path schemaFile = writeSchema(type.schema());
        int headerLength;
        if (format == WireFormat.SINGLE_OBJECT) {
            headerLength = 10;
            assertThat(Arrays.copyOf(fetched.stdout, 2)).containsExactly(0xC3, 0x01);
            // avro-tools prints the CRC-64-AVRO fingerprint as the 8 bytes of the header, in order.
            assertThat(HexFormat.of().formatHex(fetched.stdout, 2, 10))
                    .as("single-object header = avro-tools' CRC-64-AVRO fingerprint")
                    .isEqualTo(avroToolsFingerprint(schemaFile));
        } else {
            headerLength = 5;
            assertThat(fetched.stdout[0]).isZero();
            assertThat(ByteBuffer.wrap(fetched.stdout, 1, 4).getInt())
                    .isEqualTo(SchemaIds.defaults().idOf(type.schema()));
        }
        Path body = tmp.resolve("body.bin");
        Files.write(body, Arrays.copyOfRange(fetched.stdout, headerLength, fetched.stdout.length));
        Tool decoded =
                run(
                        List.of(
                                java(),
                                "-jar",
                                avroTools.toString(),
                                "fragtojson",
                                "--no-pretty",
                                "--schema-file",
                                schemaFile.toString(),
                                body.toString()),
                        null);
        assertThat(decoded.exit).as(decoded.stderr()).isZero();
        assertThat(JSON.readTree(decoded.stdoutText())).isEqualTo(avroJson(record));
    }

    @ParameterizedTest
    @MethodSource("typesAndFormats")
    <T extends SpecificRecord> void avroToolsEncodesKcatProducesAvfuseReads(
            RecordType<T> type, WireFormat format) throws Exception {
        String topic = KAFKA.uniqueTopic("from-tools-" + type.name());
        KAFKA.createTopics(1, (short) 1, topic);
        T record = TestRecords.sample(type, "cam-2", 5);
        Path schemaFile = writeSchema(type.schema());
        Path json = tmp.resolve("record.json");
        Files.writeString(json, avroJson(record).toString());
        Tool encoded =
                run(
                        List.of(
                                java(),
                                "-jar",
                                avroTools.toString(),
                                "jsontofrag",
                                "--schema-file",
                                schemaFile.toString(),
                                json.toString()),
                        null);
        assertThat(encoded.exit).as(encoded.stderr()).isZero();

        ByteArrayOutputStream framed = new ByteArrayOutputStream();
        if (format == WireFormat.SINGLE_OBJECT) {
            framed.write(new byte[] {(byte) 0xC3, 0x01});
            framed.write(HexFormat.of().parseHex(avroToolsFingerprint(schemaFile)));
        } else {
            framed.write(0);
            framed.write(
                    ByteBuffer.allocate(4)
                            .putInt(SchemaIds.defaults().idOf(type.schema()))
                            .array());
        }
        framed.write(encoded.stdout);
        Path message = tmp.resolve("message.bin");
        Files.write(message, framed.toByteArray());

        // kcat -P with a file argument sends the whole file as one message.
        Tool produced =
                run(
                        List.of(
                                "kcat",
                                "-P",
                                "-b",
                                KAFKA.bootstrapServers(),
                                "-t",
                                topic,
                                "-k",
                                type.keyOf(record),
                                message.toString()),
                        null);
        assertThat(produced.exit).as(produced.stderr()).isZero();

        List<ConsumerRecord<byte[], byte[]>> got =
                KafkaTestClients.readAll(
                        KAFKA.bootstrapServers(), topic, false, Duration.ofSeconds(30));
        assertThat(got).hasSize(1);
        T decoded =
                new AvroKafkaDeserializer<>(type, format).deserialize(topic, got.get(0).value());
        assertThat(decoded).isEqualTo(record);
        assertThat(new String(got.get(0).key(), StandardCharsets.UTF_8))
                .isEqualTo(type.keyOf(record));
    }

    private static String avroToolsFingerprint(Path schemaFile) throws Exception {
        Tool fp =
                run(
                        List.of(
                                java(),
                                "-jar",
                                avroTools.toString(),
                                "fingerprint",
                                schemaFile.toString()),
                        null);
        assertThat(fp.exit).as(fp.stderr()).isZero();
        return fp.stdoutText().strip().split("\\s+")[0];
    }

    private Path writeSchema(Schema schema) throws Exception {
        Path file = Files.createTempFile(tmp, schema.getName(), ".avsc");
        Files.writeString(file, schema.toString(true));
        return file;
    }

    /** Avro's JSON encoding of the record, the form avro-tools reads and writes. */
    private static <T extends SpecificRecord> JsonNode avroJson(T record) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonEncoder enc = EncoderFactory.get().jsonEncoder(record.getSchema(), out);
        new SpecificDatumWriter<T>(record.getSchema()).write(record, enc);
        enc.flush();
        return JSON.readTree(out.toByteArray());
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private record Tool(int exit, byte[] stdout, byte[] err) {
        String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        String stderr() {
            return new String(err, StandardCharsets.UTF_8);
        }
    }

    private static Tool run(List<String> command, byte[] stdin) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(new ArrayList<>(command)).start();
        } catch (java.io.IOException e) {
            return new Tool(127, new byte[0], e.toString().getBytes());
        }
        if (stdin != null) {
            p.getOutputStream().write(stdin);
        }
        p.getOutputStream().close();
        var err = new java.util.concurrent.CompletableFuture<byte[]>();
        Thread t =
                new Thread(
                        () -> {
                            try {
                                err.complete(p.getErrorStream().readAllBytes());
                            } catch (java.io.IOException e) {
                                err.complete(new byte[0]);
                            }
                        });
        t.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Tool(p.exitValue(), out, err.get(10, TimeUnit.SECONDS));
    }
}
