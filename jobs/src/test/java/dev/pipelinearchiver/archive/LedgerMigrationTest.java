package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.Rows;
import dev.pipelinearchiver.support.TestDatabase;
import java.sql.Connection;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Upgrading a ledger written by an earlier version: V6 moves the per-run stamps of batches already exported
 * into one batch_stamps row per batch, and their 'exported' runs become 'planned' (what the purge takes now).
 */
class LedgerMigrationTest {

    private static final TestDatabase DB = TestDatabase.create("archiver_migration");

    @AfterAll
    static void drop() {
        DB.drop();
    }

    @Test
    void stampsOfBatchesExportedBeforeV6MoveToTheirBatch() throws Exception {
        flyway("5").migrate();
        // a batch half purged (runs 11, 12 purged; 13 exported; 14 changed after export), and a batch only planned
        DB.execute("""
                INSERT INTO archiver.archive_batch (batch_id, job_instance_id, dt, cutoff, state, tables) VALUES
                  (1, 1, date '2026-05-01', now(), 'WRITTEN', '{pipeline_runs,llm_calls,pipeline_steps}'),
                  (2, 1, date '2026-05-02', now(), 'PLANNED', '{pipeline_runs,llm_calls,pipeline_steps}');
                INSERT INTO archiver.batch_run (batch_id, run_id, state, row_counts, fingerprint) VALUES
                  (1, 13, 'exported', '{1,0,7}', 1300), (1, 11, 'purged', '{1,2,3}', 1100), (1, 12, 'purged', '{1,5,6}', 1200),
                  (1, 14, 'changed', '{1,1,1}', 1400), (1, 15, 'released', NULL, NULL),
                  (2, 21, 'planned', NULL, NULL)""");

        flyway(null).migrate();

        try (Connection con = DB.connect()) {
            assertThat(
                            Rows.query(
                                    con,
                                    "SELECT batch_id, table_count, run_ids, row_counts, fingerprints FROM archiver.batch_stamps"))
                    .containsExactly(
                            List.of(1L, 3L, "{11,12,13,14}", "{1,2,3,1,5,6,1,0,7,1,1,1}", "{1100,1200,1300,1400}"));
            assertThat(Rows.query(
                            con, "SELECT batch_id, run_id, state FROM archiver.batch_run ORDER BY batch_id, run_id"))
                    .containsExactly(
                            List.of(1L, 11L, "purged"),
                            List.of(1L, 12L, "purged"),
                            List.of(1L, 13L, "planned"),
                            List.of(1L, 14L, "changed"),
                            List.of(1L, 15L, "released"),
                            List.of(2L, 21L, "planned"));
            // what the purge reads for a run
            BatchStamps stamps = BatchStamps.read(con, 1);
            assertThat(stamps.stamp(13).rowCounts()).containsExactly(1, 0, 7);
            assertThat(stamps.stamp(13).fingerprint()).isEqualTo(1300);
            assertThat(stamps.stamp(14).rowCounts()).containsExactly(1, 1, 1);
            assertThat(stamps.stamp(15)).as("released before export: no stamp").isNull();
            assertThat(BatchStamps.read(con, 2).rowCounts(21))
                    .as("only planned: no stamps")
                    .isNull();
        }
    }

    private static Flyway flyway(String target) {
        var configuration = Flyway.configure()
                .dataSource(DB.url(), TestDatabase.user(), TestDatabase.password())
                .schemas("archiver")
                .defaultSchema("archiver")
                .locations("classpath:db/archiver");
        if (target != null) {
            configuration.target(target);
        }
        return configuration.load();
    }
}
