package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A run of the ledger always names a batch that exists (schema/migration V5: checked once per statement,
 * where a foreign key checked every row), and a batch cannot go, nor change its id, while runs name it.
 */
class LedgerIntegrityTest extends ArchiveTestSupport {

    @Test
    void runsNameExistingBatchesOnly() throws Exception {
        fixture.runs(30, "ok", Instant.parse("2026-05-27T03:00:00Z"), 4_000, 3);
        launcher.archive(CUTOFF);
        long batch = DB.count("SELECT min(batch_id) FROM archiver.archive_batch");
        long runs = DB.count("SELECT count(*) FROM archiver.batch_run");
        assertThat(runs).isEqualTo(30);

        assertRefused(
                "INSERT INTO archiver.batch_run (batch_id, run_id, state) VALUES (" + batch
                        + ", 900001, 'planned'), (987654, 900002, 'planned')",
                "batch_run names batch 987654");
        // (its files, stamps and statistics gone first: their own foreign keys would refuse before)
        String others = "DELETE FROM archiver.archive_file WHERE batch_id = " + batch
                + "; DELETE FROM archiver.batch_step_stats WHERE batch_id = " + batch
                + "; DELETE FROM archiver.batch_stamps WHERE batch_id = " + batch + "; ";
        assertRefused(
                others + "DELETE FROM archiver.archive_batch WHERE batch_id = " + batch,
                "batch " + batch + " still has runs");
        assertRefused(
                "UPDATE archiver.batch_run SET batch_id = batch_id + 1000 WHERE batch_id = " + batch, "never changes");
        assertRefused(
                "UPDATE archiver.archive_batch SET batch_id = batch_id + 1000 WHERE batch_id = " + batch,
                "never changes");
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run"))
                .as("nothing of the refused statements stayed")
                .isEqualTo(runs);

        // what prune-metadata does: the runs first, then their batch (its files, stamps and statistics too)
        try (Connection con = DB.connect();
                Statement statement = con.createStatement()) {
            con.setAutoCommit(false);
            statement.execute("DELETE FROM archiver.batch_run WHERE batch_id = " + batch);
            statement.execute("DELETE FROM archiver.archive_file WHERE batch_id = " + batch);
            statement.execute("DELETE FROM archiver.batch_step_stats WHERE batch_id = " + batch);
            statement.execute("DELETE FROM archiver.batch_stamps WHERE batch_id = " + batch);
            statement.execute("DELETE FROM archiver.archive_batch WHERE batch_id = " + batch);
            con.rollback();
        }
        // and a batch inserted with its runs in one statement, as the plan does, is accepted
        DB.execute("""
                WITH b AS (INSERT INTO archiver.archive_batch (job_instance_id, dt, cutoff, state)
                           VALUES (1, date '2026-05-01', now(), 'PURGED') RETURNING batch_id)
                INSERT INTO archiver.batch_run (batch_id, run_id, state) SELECT batch_id, 900003, 'purged' FROM b""");
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE run_id = 900003"))
                .isEqualTo(1);
    }

    private static void assertRefused(String sql, String message) {
        assertThatThrownBy(() -> {
                    try (Connection con = DB.connect();
                            Statement statement = con.createStatement()) {
                        con.setAutoCommit(false);
                        try {
                            statement.execute(sql);
                        } finally {
                            con.rollback();
                        }
                    }
                })
                .isInstanceOf(SQLException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23503"));
    }
}
