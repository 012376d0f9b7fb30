package io.avfuse.jobs.job;

import io.avfuse.connectors.kafka.KafkaAccess;
import java.time.Duration;
import picocli.CommandLine;

/**
 * Runs a job command: the option reference goes into {@code --help}, and a bad option ends with one
 * line naming it and exit code 2 instead of a stack trace.
 */
final class JobCli {
    static final int BAD_OPTION = 2;
    static final int KAFKA_FAILURE = 3;

    /** How long a job's start waits for Kafka to accept its credentials. */
    static final Duration KAFKA_CHECK_TIMEOUT = Duration.ofSeconds(30);

    private JobCli() {}

    /**
     * Before a job is built: the Kafka client settings must be accepted, or the job ends here with
     * one line naming the failure instead of restarting on it.
     */
    static void checkKafka(JobConfig cfg) {
        KafkaAccess.check(cfg.kafka(), KAFKA_CHECK_TIMEOUT);
    }

    static int run(Object command, String[] args) {
        CommandLine cli = new CommandLine(command);
        String name = cli.getCommandName();
        cli.getCommandSpec()
                .usageMessage()
                .footer("", "Options for --config / --set:", JobConfig.describeOptions());
        cli.setExecutionExceptionHandler(
                (e, commandLine, parseResult) -> {
                    if (e instanceof IllegalArgumentException) {
                        commandLine.getErr().println("avfuse " + name + ": " + e.getMessage());
                        return BAD_OPTION;
                    }
                    if (e instanceof KafkaAccess.KafkaAccessException) {
                        commandLine.getErr().println("avfuse " + name + ": " + e.getMessage());
                        return KAFKA_FAILURE;
                    }
                    throw e;
                });
        return cli.execute(args);
    }

    /**
     * A job's {@code main}: exits the JVM only on failure. In Flink's application mode {@code main}
     * runs inside the JobManager, where an exit after a (detached) submission would end the
     * JobManager with it.
     */
    static void main(Object command, String[] args) {
        int code = run(command, args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
