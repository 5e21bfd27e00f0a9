package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.archive.ArchiveLauncher.Outcome;
import dev.pipelinearchiver.archive.ArchiveLauncher.Result;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** Failures at each phase, then a relaunch of the same cutoff: no loss, no duplicate. */
@TestPropertySource(properties = {"archiver.batch-size=10", "archiver.purge-batch-size=4"})
class ArchiveRestartTest extends ArchiveTestSupport {

    private static final List<String> TABLES = List.of("pipeline_runs", "pipeline_steps", "llm_calls");

    private void threeDaysOfRuns() {
        fixture.runs(60, "ok", Instant.parse("2026-05-28T00:00:00Z"), 4_000, 4); // 2026-05-28 .. 2026-05-30
        fixture.runs(5, "ok", Instant.parse("2026-06-02T00:00:00Z"), 60, 2); // after the cutoff
        fixture.runs(3, "running", null, 0, 2);
    }

    private Map<String, List<List<Object>>> snapshot(String runFilter) throws Exception {
        return Map.of(
                "pipeline_runs", postgres("SELECT * FROM pipeline_runs WHERE id " + runFilter + " ORDER BY id"),
                "pipeline_steps", postgres("SELECT * FROM pipeline_steps WHERE run_id " + runFilter + " ORDER BY id"),
                "llm_calls", postgres("SELECT * FROM llm_calls WHERE run_id " + runFilter + " ORDER BY id"));
    }

    private void assertArchiveHoldsExactly(Map<String, List<List<Object>>> expected) throws Exception {
        for (String table : TABLES) {
            assertThat(archive.rows(table, "id")).as(table).isEqualTo(expected.get(table));
        }
    }

    private long eligibleRun(int index) {
        return DB.count(eligibleRunIds(CUTOFF) + " ORDER BY id OFFSET " + index + " LIMIT 1");
    }

    /** A step added to a run after its export. */
    private void addLateStep(long run) {
        DB.execute("INSERT INTO pipeline_steps (run_id, seq, step_name, status, input_json, duration_ms) VALUES (" + run
                + ", 99, 'late_agent', 'ok', '{\"late\": true}', 5)");
    }

    /** A step of a run updated in place after its export. */
    private void editStep(long run) {
        DB.execute(
                "UPDATE pipeline_steps SET output_json = '{\"edited\": true}' WHERE run_id = " + run + " AND seq = 2");
    }

    /** The runs ({@code (id, …)}) are in PostgreSQL exactly as snapshotted, and in no archive file. */
    private void assertKeptWholeAndUnarchived(String runs, Map<String, List<List<Object>>> asTheyAre) throws Exception {
        assertThat(snapshot("IN " + runs)).isEqualTo(asTheyAre);
        for (String table : TABLES) {
            String runColumn = table.equals("pipeline_runs") ? "id" : "run_id";
            assertThat(archive.query(
                            "SELECT count(*) FROM " + archive.dataset(table) + " WHERE " + runColumn + " IN " + runs))
                    .as(table)
                    .containsExactly(List.of(0L));
        }
    }

    @Test
    void exportFailureThenRelaunchLosesNothingAndDuplicatesNothing() throws Exception {
        // given: the steps directory of one day cannot be created (a file stands in its way)
        threeDaysOfRuns();
        Map<String, List<List<Object>>> eligible = snapshot("IN (" + eligibleRunIds(CUTOFF) + ")");
        Map<String, List<List<Object>>> others = snapshot("NOT IN (" + eligibleRunIds(CUTOFF) + ")");
        Path obstacle = ROOT.resolve("pipeline_steps").resolve("dt=2026-05-29");
        Files.createDirectories(obstacle.getParent());
        Files.writeString(obstacle, "in the way");

        // when
        Result failed = launcher.archive(CUTOFF);

        // then: the job failed in export; the day it could not write is untouched, and the only runs
        // deleted (by the purge running beside the export) are those of batches written and recorded
        assertThat(failed.outcome()).isEqualTo(Outcome.FAILED);
        long batches = DB.count("SELECT count(*) FROM archiver.archive_batch");
        assertThat(DB.count("SELECT count(*) FROM archiver.archive_batch WHERE state = 'PLANNED'"))
                .isBetween(1L, batches - 1);
        assertThat(DB.count("SELECT count(*) FROM archiver.archive_batch WHERE state = 'PURGED'"))
                .isPositive();
        assertThat(
                        DB.count(
                                "SELECT count(*) FROM archiver.archive_batch b WHERE b.dt = '2026-05-29' AND b.state <> 'PLANNED'"))
                .isZero();
        assertThat(
                        DB.count(
                                "SELECT count(*) FROM pipeline_runs r WHERE NOT EXISTS (SELECT 1 FROM archiver.batch_run b"
                                        + " JOIN archiver.archive_batch a USING (batch_id) WHERE b.run_id = r.id AND a.state = 'PURGED')"))
                .isEqualTo(DB.count("SELECT count(*) FROM pipeline_runs"));
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run b JOIN archiver.archive_batch a USING (batch_id)"
                                + " WHERE a.state = 'PURGED' AND b.state = 'purged'")
                        + DB.count("SELECT count(*) FROM pipeline_runs"))
                .isEqualTo(68);
        assertThat(snapshot("NOT IN (" + eligibleRunIds(CUTOFF) + ")")).isEqualTo(others);
        Map<String, List<List<Object>>> left = snapshot("IN (" + eligibleRunIds(CUTOFF) + ")");
        for (String table : TABLES) { // exactly the rows of the purged runs are gone, as the ledger counted them
            long purgedRows = DB.count("SELECT coalesce(sum(b.row_counts[array_position(a.tables, '" + table
                    + "')]), 0)" + " FROM " + RUN_STAMPS
                    + " b JOIN archiver.archive_batch a USING (batch_id) WHERE b.state = 'purged'");
            assertThat(left.get(table))
                    .as(table)
                    .isSubsetOf(eligible.get(table))
                    .hasSize(eligible.get(table).size() - (int) purgedRows);
        }

        // when: the obstacle is gone and the same cutoff is launched again
        Files.delete(obstacle);
        Result resumed = launcher.archive(CUTOFF);

        // then: the same job instance completed, with the batches planned the first time
        assertThat(resumed.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(resumed.execution().getJobInstance().getInstanceId())
                .isEqualTo(failed.execution().getJobInstance().getInstanceId());
        assertThat(DB.count("SELECT count(*) FROM archiver.archive_batch")).isEqualTo(batches);
        assertArchiveHoldsExactly(eligible);
        assertThat(snapshot("IS NOT NULL")).isEqualTo(others);
    }

    @Test
    void purgeFailureThenRelaunchLosesNothingAndDuplicatesNothing() throws Exception {
        // given: deleting the 26th eligible run fails, after several purge transactions committed
        threeDaysOfRuns();
        Map<String, List<List<Object>>> eligible = snapshot("IN (" + eligibleRunIds(CUTOFF) + ")");
        Map<String, List<List<Object>>> others = snapshot("NOT IN (" + eligibleRunIds(CUTOFF) + ")");
        DB.failDeletingRun(eligibleRun(25));

        // when
        Result failed = launcher.archive(CUTOFF);

        // then: the failing run and those not purged before the failure are still there (the purge meets
        // batches in the order the export beside it writes them), and every eligible run is archived
        assertThat(failed.outcome()).isEqualTo(Outcome.FAILED);
        long remaining = DB.count("SELECT count(*) FROM pipeline_runs");
        assertThat(remaining)
                .isGreaterThan(8)
                .isEqualTo(68 - DB.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'purged'"));
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs WHERE id = " + eligibleRun(25)))
                .isOne();
        assertArchiveHoldsExactly(eligible);

        // when
        DB.stopFailingDeletes();
        Result resumed = launcher.archive(CUTOFF);

        // then
        assertThat(resumed.outcome()).isEqualTo(Outcome.COMPLETED);
        assertArchiveHoldsExactly(eligible);
        assertThat(snapshot("IS NOT NULL")).isEqualTo(others);
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state <> 'purged'"))
                .isZero();
    }

    @Test
    void runsChangedAfterExportAreNotLostAndAreArchivedWholeByALaterLaunch() throws Exception {
        // given: the purge fails part-way (deleting either of two runs fails, so both stay, whatever the
        // order in which the purge meets the batches), then a late step is added to one of them and a
        // step of the other is updated
        threeDaysOfRuns();
        long late = eligibleRun(59);
        long updated = eligibleRun(41);
        DB.failDeletingRun(late, updated);
        assertThat(launcher.archive(CUTOFF).outcome()).isEqualTo(Outcome.FAILED);
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs WHERE id IN (" + late + ", " + updated + ")"))
                .isEqualTo(2);
        addLateStep(late);
        editStep(updated);
        DB.stopFailingDeletes();
        String changed = "(" + late + ", " + updated + ")";
        Map<String, List<List<Object>>> changedRuns = snapshot("IN " + changed);

        // when: the same cutoff is relaunched
        Result resumed = launcher.archive(CUTOFF);

        // then: the changed runs are still in PostgreSQL, whole, and in no archive file
        assertThat(resumed.outcome()).isEqualTo(Outcome.COMPLETED);
        assertKeptWholeAndUnarchived(changed, changedRuns);
        assertThat(DB.count(eligibleRunIds(CUTOFF).replace("SELECT id", "SELECT count(*)")))
                .isEqualTo(2); // only they are left
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'released'"))
                .isEqualTo(2);

        // when: a later launch
        Result later = launcher.archive(Instant.parse("2026-06-01T12:00:00Z"));

        // then: the changed runs are archived with their late and updated rows, exactly once
        assertThat(later.outcome()).isEqualTo(Outcome.COMPLETED);
        for (String table : TABLES) {
            String runColumn = table.equals("pipeline_runs") ? "id" : "run_id";
            assertThat(archive.query("SELECT * EXCLUDE (dt) FROM " + archive.dataset(table) + " WHERE " + runColumn
                            + " IN " + changed + " ORDER BY id"))
                    .as(table)
                    .isEqualTo(changedRuns.get(table));
        }
        assertThat(archive.query("SELECT count(*), count(DISTINCT id) FROM " + archive.dataset("pipeline_steps")))
                .containsExactly(List.of(241L, 241L)); // 60 runs x 4 steps, plus the late one
    }

    @Test
    void changesThatKeepAPurgeTransactionsRowCountsAreCaughtByTheXminSum() throws Exception {
        // given: the purge fails on three runs, so they stay; then, of two runs of the same day that a
        // purge transaction takes together (the first 4 runs of the day's first batch), one loses a step
        // and the other gains one, so the transaction's rows per table are as exported; and a step of a
        // third run, purged in another transaction, is updated in place
        threeDaysOfRuns();
        long lost = eligibleRun(1);
        long gained = eligibleRun(2);
        long updated = eligibleRun(30);
        String changed = "(" + lost + ", " + gained + ", " + updated + ")";
        Map<String, List<List<Object>>> others =
                snapshot("IN (" + eligibleRunIds(CUTOFF) + " AND id NOT IN " + changed + ")");
        DB.failDeletingRun(lost, gained, updated);
        assertThat(launcher.archive(CUTOFF).outcome()).isEqualTo(Outcome.FAILED);
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs WHERE id IN " + changed))
                .isEqualTo(3);
        assertThat(DB.count("SELECT count(DISTINCT batch_id) FROM archiver.batch_run WHERE run_id IN (" + lost + ", "
                        + gained + ")"))
                .isOne();
        DB.execute("DELETE FROM pipeline_steps WHERE run_id = " + lost + " AND seq = 2"); // an even step: no LLM call
        addLateStep(gained);
        editStep(updated);
        DB.stopFailingDeletes();
        Map<String, List<List<Object>>> changedRuns = snapshot("IN " + changed);

        // when: the same cutoff is relaunched
        Result resumed = launcher.archive(CUTOFF);

        // then: the changed runs are still in PostgreSQL, whole, in no archive file, and released;
        // every other eligible run is purged and archived
        assertThat(resumed.outcome()).isEqualTo(Outcome.COMPLETED);
        assertKeptWholeAndUnarchived(changed, changedRuns);
        assertArchiveHoldsExactly(others);
        assertThat(DB.count(eligibleRunIds(CUTOFF).replace("SELECT id", "SELECT count(*)")))
                .isEqualTo(3); // only they are left
        assertThat(DB.count(
                        "SELECT count(*) FROM archiver.batch_run WHERE state = 'released' AND run_id IN " + changed))
                .isEqualTo(3);
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state NOT IN ('purged', 'released')"))
                .isZero();
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'purged'"))
                .isEqualTo(57);
    }

    @Test
    void aLaunchNeverUsesTheStampsAnEarlierLaunchInTheSameJvmRead() throws Exception {
        // given: a launch whose purge fails part-way, after reading the stamps of the batch it was purging
        threeDaysOfRuns();
        DB.failDeletingRun(eligibleRun(25));
        assertThat(launcher.archive(CUTOFF).outcome()).isEqualTo(Outcome.FAILED);
        DB.stopFailingDeletes();
        // then everything starts again (database, ledger, archive), batch ids included, with other runs
        // under the same batch ids
        emptyDatabaseAndArchive();
        DB.execute("ALTER SEQUENCE archiver.archive_batch_batch_id_seq RESTART");
        fixture.runs(60, "ok", Instant.parse("2026-05-28T00:00:00Z"), 4_000, 3);
        Map<String, List<List<Object>>> eligible = snapshot("IN (" + eligibleRunIds(CUTOFF) + ")");

        // when
        Result relaunched = launcher.archive(CUTOFF);

        // then: every run purged against its own batch's stamps, none taken for changed
        assertThat(relaunched.outcome()).isEqualTo(Outcome.COMPLETED);
        assertArchiveHoldsExactly(eligible);
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state <> 'purged'"))
                .isZero();
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isZero();
    }
}
