package io.avfuse.jobs.deploy;

import io.avfuse.jobs.job.FuseJob;
import io.avfuse.jobs.job.JobConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The fusion job's entry point for a session cluster ({@code POST /jars/:id/run}, {@code flink
 * run}): the same job as {@link FuseJob}, but it never calls {@code System.exit}. On a session
 * cluster {@code main} runs inside the JobManager's JVM, where {@link FuseJob#main}'s exit on a bad
 * option would end the whole cluster; here the exception goes back to the REST call instead.
 *
 * <p>{@code entryClass=io.avfuse.jobs.deploy.ClusterFuseJob, programArgs: --set
 * model.dir=/models/v1 --set kafka.bootstrap-servers=127.0.0.1:9092}
 */
public final class ClusterFuseJob {
    private ClusterFuseJob() {}

    public static void main(String[] args) throws Exception {
        Path config = null;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if ((arg.equals("--config") || arg.equals("--set")) && i + 1 < args.length) {
                if (arg.equals("--config")) {
                    config = Path.of(args[++i]);
                } else {
                    overrides.add(args[++i]);
                }
            } else {
                throw new IllegalArgumentException(
                        "unexpected argument '" + arg + "' (expected --config FILE, --set k=v)");
            }
        }
        JobConfig cfg = JobConfig.load(config, overrides);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        FuseJob.defineFromKafka(env, cfg, false);
        env.execute("avfuse-fuse");
    }
}
