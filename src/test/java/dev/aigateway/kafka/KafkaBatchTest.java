package dev.aigateway.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The redelivery bound of {@link KafkaBatch}: which record is handed back, and when it is given up. */
class KafkaBatchTest {
    static final TopicPartition P0 = new TopicPartition("ai.requests", 0);
    static final TopicPartition P1 = new TopicPartition("ai.requests", 1);

    @Test
    void aRecordIsGivenUpOnlyAfterMoreThanMaxRedeliveries() {
        KafkaBatch.Redeliveries r = new KafkaBatch.Redeliveries(2);
        assertNull(r.exceeded(P0, 7), "never failed: processed");
        assertEquals(1, r.failed(P0, 7, "broker down"));
        assertNull(r.exceeded(P0, 7), "redelivery 1 of 2: processed");
        assertEquals(2, r.failed(P0, 7, "broker down"));
        assertNull(r.exceeded(P0, 7), "redelivery 2 of 2: processed");
        assertEquals(3, r.failed(P0, 7, "still down"));
        KafkaBatch.Redeliveries.Failure f = r.exceeded(P0, 7);
        assertNotNull(f, "redelivery 3 > 2: given up");
        assertEquals(3, f.count());
        assertEquals("still down", f.reason(), "the last failure is kept for the dead letter");
        assertNull(r.exceeded(P0, 8), "other offsets are not affected");
        assertNull(r.exceeded(P1, 7), "nor the same offset of another partition");
    }

    @Test
    void aCommitForgetsTheRecordsUpToItsOffsetInItsPartitionOnly() {
        KafkaBatch.Redeliveries r = new KafkaBatch.Redeliveries(0);
        r.failed(P0, 3, "x");
        r.failed(P0, 9, "x");
        r.failed(P1, 3, "x");
        r.forgetUpTo(P0, 5);
        assertNull(r.exceeded(P0, 3));
        assertNotNull(r.exceeded(P0, 9));
        assertNotNull(r.exceeded(P1, 3));
        assertEquals(2, r.size());
    }

    @Test
    void memoryIsBounded() {
        KafkaBatch.Redeliveries r = new KafkaBatch.Redeliveries(5);
        for (int i = 0; i < KafkaBatch.Redeliveries.CAPACITY + 10; i++) {
            r.failed(P0, i, "x");
        }
        assertEquals(10, r.size(), "cleared at capacity, then counting again");
    }
}
