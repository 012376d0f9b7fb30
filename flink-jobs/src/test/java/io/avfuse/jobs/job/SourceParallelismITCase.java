package io.avfuse.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.broker.KafkaBrokerExtension;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The alignment job as {@link AlignJob#defineFromKafka} builds it against a real broker, at
 * parallelism 2: each source, with its dead-letter split and event map chained to it, runs on as
 * many subtasks as its topic has partitions (at most 2), so that no source subtask is left without
 * one; the aligner keeps the job's parallelism. When the lookup fails, every source keeps 2.
 */
class SourceParallelismITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = KafkaBrokerExtension.shared();

    @Test
    void eachSourceRunsAtMostOneSubtaskPerPartition() {
        String video = KAFKA.uniqueTopic("srcpar-video");
        String audio = KAFKA.uniqueTopic("srcpar-audio");
        String text = KAFKA.uniqueTopic("srcpar-text");
        KAFKA.createTopics(1, (short) 1, video, text);
        KAFKA.createTopics(3, (short) 1, audio);

        Map<String, Integer> vertices = jobVertices(video, audio, text);

        assertThat(vertices)
                .containsEntry("Source: video-source -> split-video -> video-events", 1)
                .containsEntry("Source: audio-source -> split-audio -> audio-events", 2)
                .containsEntry("Source: text-source -> split-text -> text-events", 1)
                .containsEntry("align -> (late-to-deadletter, rejected-audio-to-deadletter)", 2);
    }

    @Test
    void everySourceKeepsTheJobParallelismWhenATopicCannotBeDescribed() {
        String video = KAFKA.uniqueTopic("srcpar-video");
        String audio = KAFKA.uniqueTopic("srcpar-audio");
        KAFKA.createTopics(1, (short) 1, video, audio);

        Map<String, Integer> vertices =
                jobVertices(video, audio, KAFKA.uniqueTopic("srcpar-missing"));

        assertThat(vertices)
                .containsEntry("Source: video-source -> split-video -> video-events", 2)
                .containsEntry("Source: audio-source -> split-audio -> audio-events", 2)
                .containsEntry("Source: text-source -> split-text -> text-events", 2);
    }

    /** Vertex names of the job graph (chained operators joined by " -> ") and parallelism. */
    private static Map<String, Integer> jobVertices(String video, String audio, String text) {
        JobConfig cfg =
                JobConfig.load(
                        null,
                        List.of(
                                "kafka.bootstrap-servers=" + KAFKA.bootstrapServers(),
                                "topics.video=" + video,
                                "topics.audio=" + audio,
                                "topics.text=" + text,
                                "job.parallelism=2"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        AlignJob.defineFromKafka(env, cfg, false);
        JobGraph graph = env.getStreamGraph().getJobGraph();
        Map<String, Integer> vertices = new HashMap<>();
        for (JobVertex v : graph.getVertices()) {
            vertices.put(v.getName(), v.getParallelism());
        }
        return vertices;
    }
}
