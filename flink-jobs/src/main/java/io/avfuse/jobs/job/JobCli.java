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
}
