package io.avfuse.deploy.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** The REST answers the launcher reads, as Flink 2.2 writes them. */
class FlinkRestTest {
    @Test
    void readsStringAndNumberFieldsInOrder() {
        String overview =
                "{\"taskmanagers\":2,\"slots-total\":4,\"slots-available\":2,"
                        + "\"flink-version\":\"2.2.1\",\"flink-commit\":\"abc\"}";
        assertThat(FlinkRest.field(overview, "taskmanagers")).isEqualTo("2");
        assertThat(FlinkRest.field(overview, "flink-version")).isEqualTo("2.2.1");
        String upload =
                "{\"filename\":\"/tmp/run/upload/flink-web-x/flink-web-upload/"
                        + "52c39e69-ce8a_job.jar\",\"status\":\"success\"}";
        assertThat(FlinkRest.field(upload, "filename")).endsWith("/52c39e69-ce8a_job.jar");
    }

    @Test
    void vertexStatusesAreNotConfusedWithStatusCounts() {
        String job =
                "{\"jid\":\"j\",\"state\":\"RUNNING\",\"vertices\":[{\"id\":\"a\",\"status\":"
                        + "\"RUNNING\"},{\"id\":\"b\",\"status\":\"DEPLOYING\"}],"
                        + "\"status-counts\":{\"RUNNING\":1,\"DEPLOYING\":1}}";
        assertThat(FlinkRest.all(job, "status")).containsExactly("RUNNING", "DEPLOYING");
        assertThat(FlinkRest.field(job, "state")).isEqualTo("RUNNING");
    }

    @Test
    void escapedQuotesStayInsideAValue() {
        String error = "{\"errors\":[\"x\"],\"message\":\"a \\\"quoted\\\" word\",\"n\":-3}";
        assertThat(FlinkRest.field(error, "message")).isEqualTo("a \\\"quoted\\\" word");
        assertThat(FlinkRest.field(error, "n")).isEqualTo("-3");
    }

    @Test
    void aMissingFieldNamesTheFieldAndTheResponse() {
        assertThatThrownBy(() -> FlinkRest.field("{\"errors\":[\"boom\"]}", "jobid"))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("no 'jobid'")
                .hasMessageContaining("boom");
    }

    @Test
    void busyTaskManagersAreThoseWithASlotInUse() {
        // GET /taskmanagers of Flink 2.2.1, nested objects shortened.
        String taskManagers =
                "{\"taskmanagers\":[{\"id\":\"tm-0\",\"path\":\"pekko.tcp://flink@127.0.0.1:35173"
                        + "/user/rpc/taskmanager_0\",\"dataPort\":46015,\"slotsNumber\":2,"
                        + "\"freeSlots\":2,\"totalResource\":{\"cpuCores\":2.0,"
                        + "\"extendedResources\":{}},\"hardware\":{\"cpuCores\":2}},"
                        + "{\"id\":\"tm-1\",\"path\":\"pekko.tcp://flink@127.0.0.1:41953"
                        + "/user/rpc/taskmanager_0\",\"dataPort\":33803,\"slotsNumber\":2,"
                        + "\"freeSlots\":0,\"totalResource\":{\"cpuCores\":2.0,"
                        + "\"extendedResources\":{}},\"hardware\":{\"cpuCores\":2}},"
                        + "{\"id\":\"tm-2\",\"slotsNumber\":2,\"freeSlots\":1}]}";
        assertThat(FlinkRest.busyTaskManagers(taskManagers)).containsExactly("tm-1", "tm-2");
        assertThat(FlinkRest.busyTaskManagers("{\"taskmanagers\":[]}")).isEmpty();
    }
}
