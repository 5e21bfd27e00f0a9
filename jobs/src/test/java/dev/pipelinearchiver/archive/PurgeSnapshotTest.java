package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.pipelinearchiver.archive.ArchiveLauncher.Outcome;
import dev.pipelinearchiver.archive.ArchiveLauncher.Result;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The purge against a backend that changes a run's rows while the purge is deleting it: what the purge
 * counted must be what it deletes, never a newer version of a row that no export saw.
 */
class PurgeSnapshotTest extends ArchiveTestSupport {

    @Autowired
    DataSource dataSource;

    /**
     * A step updated (and committed) after the purge counted its run, while the purge's cascade waits for
     * the update's row lock. At READ COMMITTED the cascade then deleted the new version, which no export
     * saw, and PostgreSQL's delete counters showed the same number of rows: the edit was lost. At
     * REPEATABLE READ the cascade fails with a serialization failure, the purge is retried, and its new
     * snapshot finds the run changed. With track_counts off the purge counts run by run before it deletes
     * (the path that lost the edit); with it on, it deletes table by table (DELETE ... RETURNING) and checks
     * the totals after, and its delete of the steps waits for the edit's row lock.
     */
    @ParameterizedTest(name = "track_counts {0}")
    @ValueSource(strings = {"off", "on"})
    void aStepUpdatedWhileThePurgeDeletesItsRunKeepsTheRunForReArchiving(String trackCounts) throws Exception {
        // given: three exported runs; the backend edits a step of the first one in a transaction still open
        fixture.runs(3, "ok", Instant.parse("2026-05-20T00:00:00Z"), 600, 2);
        long run = DB.count("SELECT min(id) FROM pipeline_runs");
        long step = DB.count("SELECT min(id) FROM pipeline_steps WHERE run_id = " + run);
        DB.execute("ALTER DATABASE " + DB.name() + " SET track_counts = " + trackCounts);
        newSessions();
        try (Connection backend = DB.connect()) {
            backend.setAutoCommit(false);
            int backendPid;
            try (Statement statement = backend.createStatement();
                    ResultSet rs = statement.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                backendPid = rs.getInt(1);
                statement.execute("UPDATE pipeline_steps SET output_json = '{\"edited\": true}' WHERE id = " + step);
            }

            // when: the launch exports the old version, its purge counts it and waits on the edit's row lock
            // in the cascade; then the edit commits
            CompletableFuture<Result> launch = CompletableFuture.supplyAsync(() -> {
                try {
                    return launcher.archive(CUTOFF);
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            });
            awaitBlockedBy(backendPid);
            backend.commit();
            Result result = launch.get(120, TimeUnit.SECONDS);

            // then: the edited run is still in PostgreSQL, with the edit, and out of the archive; the others went
            assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
            assertThat(postgres("SELECT id FROM pipeline_runs")).containsExactly(List.of(run));
            assertThat(DB.text("SELECT output_json FROM pipeline_steps WHERE id = " + step))
                    .isEqualTo("{\"edited\": true}");
            assertThat(DB.count("SELECT count(*) FROM pipeline_steps WHERE run_id = " + run))
                    .isEqualTo(2);
            assertThat(DB.text("SELECT state FROM archiver.batch_run WHERE run_id = " + run))
                    .isEqualTo("released");
            assertThat(archive.query(
                            "SELECT count(*) FROM " + archive.dataset("pipeline_steps") + " WHERE run_id = " + run))
                    .containsExactly(List.of(0L));
            assertThat(archive.query("SELECT count(*) FROM " + archive.dataset("pipeline_runs")))
                    .containsExactly(List.of(2L));
        } finally {
            DB.execute("ALTER DATABASE " + DB.name() + " RESET track_counts");
            newSessions();
        }
    }

    /** Waits until some session waits for a lock the given backend holds. */
    static void awaitBlockedBy(int pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (DB.count("SELECT count(*) FROM pg_stat_activity WHERE " + pid + " = ANY (pg_blocking_pids(pid))") == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no session waited for backend " + pid + " within 30 s");
            }
            Thread.sleep(20);
        }
    }

    /** The job's pool opens new sessions, which take the database's settings. */
    private void newSessions() throws Exception {
        dataSource.unwrap(HikariDataSource.class).getHikariPoolMXBean().softEvictConnections();
    }
}
