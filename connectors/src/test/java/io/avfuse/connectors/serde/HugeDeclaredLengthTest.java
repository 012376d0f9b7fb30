package io.avfuse.connectors.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An 8-byte payload that declares a 1 GB {@code bytes} field must not exhaust the heap. Decoded in
 * a child JVM with a 48 MB heap and none of the Avro limit flags. Two guards stand in the way: Avro
 * 1.12.2 checks a declared length against what an array-backed decoder has left, and {@link
 * AvroLimits#ensure()} puts the size limits in force for stream-backed decoders; the probe reports
 * both.
 */
class HugeDeclaredLengthTest {

    @Test
    void declaredGigabyteBecomesADeadLetterInA48MbHeap() throws Exception {
        Result r = runProbe(List.of());
        assertThat(r.exitCode).as(r.output).isZero();
        assertThat(r.output)
                .contains("29 bytes -> DEAD_LETTER invalid VideoFrame body")
                .contains("1073741824")
                .contains("8 bytes -> DEAD_LETTER")
                .contains("raw 8 bytes -> REJECTED")
                .contains("stream-backed 1 GB bytes -> REJECTED SystemLimitException")
                .contains("limits in force: true")
                .doesNotContain("DECODED");
    }

    @Test
    void explicitlyRaisedLimitsAreReportedAsNotInForce() throws Exception {
        Result r = runProbe(List.of("-Dorg.apache.avro.limits.bytes.maxLength=2000000000"));
        assertThat(r.output).as(r.output).contains("limits in force: false");
    }

    private record Result(int exitCode, String output) {}

    private static Result runProbe(List<String> extraFlags)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx48m");
        cmd.addAll(extraFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(HugeDeclaredLengthProbe.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("probe did not finish in 60 s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
