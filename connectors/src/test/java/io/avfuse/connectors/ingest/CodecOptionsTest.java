package io.avfuse.connectors.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --decode-threads} and {@code --jpeg-huffman}: parsed, validated and handed to the FFmpeg
 * decoder and JPEG encoder; opens no media.
 */
class CodecOptionsTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return IngestCommand.commandLine()
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
    }

    private static IngestCommand parsed(String... args) {
        IngestCommand command = new IngestCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void helpDescribesTheOption() {
        assertThat(run("--help")).isZero();

        assertThat(out.toString()).contains("--decode-threads=N", "FFmpeg choose");
    }

    @Test
    void defaultLeavesTheThreadCountToFfmpeg() {
        IngestCommand command = parsed("--dry-run", "in.mp4");
        command.settings();

        assertThat(command.sourceSpec("in.mp4").decodeThreads()).isZero();
        assertThat(MediaSource.threadsOption(0)).isEqualTo("auto");
    }

    @Test
    void givenCountReachesTheMediaSourceAndTheDecoderOption() {
        IngestCommand command = parsed("--dry-run", "--decode-threads", "3", "in.mp4");
        command.settings();

        assertThat(command.sourceSpec("in.mp4").decodeThreads()).isEqualTo(3);
        assertThat(MediaSource.threadsOption(3)).isEqualTo("3");
        assertThat(MediaSource.threadsOption(1)).isEqualTo("1");
    }

    @Test
    void negativeCountIsABadOptionWithAClearMessage() {
        assertThat(run("--dry-run", "--decode-threads", "-1", "in.mp4")).isEqualTo(2);

        assertThat(err.toString()).contains("--decode-threads must be 0", "got -1");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void helpDescribesTheHuffmanTables() {
        assertThat(run("--help")).isZero();

        assertThat(out.toString()).contains("--jpeg-huffman=TABLES", "default", "optimal");
    }

    @Test
    void standardHuffmanTablesAreTheDefault() {
        IngestCommand command = parsed("--dry-run", "in.mp4");

        assertThat(command.settings().jpegHuffman()).isEqualTo(JpegEncoder.Huffman.DEFAULT);
        assertThat(JpegEncoder.Huffman.DEFAULT.option()).isEqualTo("default");
    }

    @Test
    void optimalTablesAreChosenByName() {
        IngestCommand command = parsed("--dry-run", "--jpeg-huffman", "optimal", "in.mp4");

        assertThat(command.settings().jpegHuffman()).isEqualTo(JpegEncoder.Huffman.OPTIMAL);
        assertThat(JpegEncoder.Huffman.OPTIMAL.option()).isEqualTo("optimal");
    }

    @Test
    void unknownHuffmanTablesAreABadOption() {
        assertThat(run("--dry-run", "--jpeg-huffman", "fast", "in.mp4")).isEqualTo(2);

        assertThat(err.toString())
                .contains("--jpeg-huffman must be default or optimal", "got fast");
        assertThat(out.toString()).isEmpty();
    }
}
