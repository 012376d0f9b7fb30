package io.avfuse.jobs.job;

import picocli.CommandLine;

/**
 * Runs a job command: the option reference goes into {@code --help}, and a bad option ends with one
 * line naming it and exit code 2 instead of a stack trace.
 */
final class JobCli {
    static final int BAD_OPTION = 2;

    private JobCli() {}

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
