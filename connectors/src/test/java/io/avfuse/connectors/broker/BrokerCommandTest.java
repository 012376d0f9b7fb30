package io.avfuse.connectors.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.avfuse.connectors.kafka.TopicNames;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The CLI's parsing and validation; nothing here starts a broker. */
class BrokerCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return BrokerCommand.commandLine()
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
    }

    @Test
    void helpListsEveryOptionAndTheDefaultTopics() {
        assertThat(run("--help")).isZero();

        assertThat(out.toString())
                .contains("avfuse-broker")
                .contains("--nodes", "--data-dir", "--topics", "--no-topics", "--partitions")
                .contains("--heap", "--broker-property", "--keep-data", "--help", "--version")
                .contains("127.0.0.1")
                .contains(TopicNames.defaults().all());
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void topicsDefaultToTheAvfuseTopics() {
        BrokerCommand command = new BrokerCommand();
        new CommandLine(command).parseArgs();

        assertThat(command.topics).containsExactlyElementsOf(TopicNames.defaults().all());
        assertThat(command.nodes).isEqualTo(1);
        assertThat(command.heap).isEqualTo("512m");
    }

    @Test
    void topicsCanBeGivenOrSkipped() {
        BrokerCommand command = new BrokerCommand();
        new CommandLine(command).parseArgs("--topics", "a,b", "--no-topics", "--nodes", "3");

        assertThat(command.topics).containsExactly("a", "b");
        assertThat(command.noTopics).isTrue();
        assertThat(command.nodes).isEqualTo(3);
    }

    @Test
    void twoNodesAreRejectedWithAClearMessage() {
        int exit = run("--nodes", "2");

        assertThat(exit).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--nodes must be 1 or 3").contains("got 2");
        assertThat(out.toString()).doesNotContain("Kafka ready");
    }

    @Test
    void badHeapIsRejected() {
        assertThat(run("--heap", "lots")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("heap must look like 512m or 1g, got lots");
    }

    @Test
    void listenersCannotBeOverridden() {
        // Loopback-only binding is a rule of the project, not a default.
        assertThat(run("-D", "listeners=PLAINTEXT://0.0.0.0:9092"))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("listeners is managed by KafkaBroker");
        assertThatThrownBy(
                        () ->
                                KafkaBroker.builder()
                                        .brokerProperty("advertised.listeners", "PLAINTEXT://x:1"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
