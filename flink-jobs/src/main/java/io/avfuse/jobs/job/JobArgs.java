package io.avfuse.jobs.job;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The command-line arguments every job takes: a YAML file and key=value overrides. */
final class JobArgs {
    @Option(names = "--config", description = "YAML file of job options.")
    Path config;

    @Option(names = "--set", description = "key=value override of a job option (repeatable).")
    List<String> overrides = new ArrayList<>();

    JobConfig load() {
        return JobConfig.load(config, overrides);
    }
}
