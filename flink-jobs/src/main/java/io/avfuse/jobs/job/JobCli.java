package io.avfuse.jobs.job;

import picocli.CommandLine;

/** Runs a job command with the option reference in its {@code --help}. */
final class JobCli {
    private JobCli() {}

    static int run(Object command, String[] args) {
        CommandLine cli = new CommandLine(command);
        cli.getCommandSpec()
                .usageMessage()
                .footer(
                        String.format(
                                "%nOptions for --config / --set:%n%s",
                                JobConfig.describeOptions()));
        return cli.execute(args);
    }
}
