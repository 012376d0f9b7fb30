package io.avfuse.jobs.model;

import io.avfuse.schemas.Embedding;
import io.avfuse.schemas.Prediction;

/** What the model made of one window: a Flink POJO of the two output records. */
public class Scored {
    public Prediction prediction;
    public Embedding embedding;

    public Scored() {}

    public Scored(Prediction prediction, Embedding embedding) {
        this.prediction = prediction;
        this.embedding = embedding;
    }
}
