package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelinearchiver.archive.Ledger.Batch;
import dev.pipelinearchiver.archive.Ledger.RunStamp;
import dev.pipelinearchiver.ledger.BatchState;
import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The purge's verified delete alone, on a plain connection: it deletes what is unchanged since export,
 * leaves what changed, and the caller's transaction decides whether any of it stays deleted.
 */
class VerifiedDeleteTest extends ArchiveTestSupport {

    @Autowired
    SourceCatalog catalog;

    private ArchiveSources sources;
    private long[] runIds;
    private Batch batch;
    private int recountsStarted;

    @BeforeEach
    void fourRunsExported() throws Exception {
        fixture.runs(4, "ok", Instant.parse("2026-05-10T00:00:00Z"), 3_600, 3);
        sources = catalog.inspect();
        runIds = DB.text("SELECT string_agg(id::text, ',' ORDER BY id) FROM pipeline_runs")
                .lines()
                .flatMap(line -> List.of(line.split(",")).stream())
                .mapToLong(Long::parseLong)
                .toArray();
        batch = new Batch(1, LocalDate.parse("2026-05-10"), CUTOFF, BatchState.WRITTEN, sources.tableNames());
    }

    @Test
    void deletesEveryRunUnchangedSinceExportInOnePass() throws Exception {
        // given the runs' stamps at export
        Map<Long, RunStamp> exported = stamps(runIds);
        try (Connection con = transaction()) {
            // when
            VerifiedDelete.Outcome outcome = delete(con, exported, false);
            con.commit();
            // then
            assertThat(outcome.deleted()).containsExactly(runIds);
            assertThat(outcome.recounted()).isFalse();
            assertThat(recountsStarted).isZero();
        }
        assertThat(rowsLeft()).containsExactly(0L, 0L, 0L);
    }

    @Test
    void leavesARunThatChangedAfterExportAndDeletesTheOthers() throws Exception {
        // given the stamps at export, then a late step added to the second run
        Map<Long, RunStamp> exported = stamps(runIds);
        long changed = runIds[1];
        DB.execute("INSERT INTO pipeline_steps (run_id, seq, step_name, status, duration_ms) VALUES (" + changed
                + ", 99, 'late_agent', 'ok', 5)");
        try (Connection con = transaction()) {
            // when
            VerifiedDelete.Outcome outcome = delete(con, exported, false);
            con.commit();
            // then: the totals differed, so it checked run by run and kept the changed one whole
            assertThat(outcome.deleted()).containsExactly(runIds[0], runIds[2], runIds[3]);
            assertThat(outcome.recounted()).isTrue();
            assertThat(recountsStarted).isEqualTo(1);
        }
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(1);
        assertThat(DB.count("SELECT count(*) FROM pipeline_steps WHERE run_id = " + changed))
                .isEqualTo(4);
        assertThat(DB.count("SELECT count(*) FROM llm_calls WHERE run_id <> " + changed))
                .isZero();
    }

    @Test
    void countingFirstDeletesTheSameRuns() throws Exception {
        // given
        Map<Long, RunStamp> exported = stamps(runIds);
        try (Connection con = transaction()) {
            // when
            VerifiedDelete.Outcome outcome = delete(con, exported, true);
            con.commit();
            // then
            assertThat(outcome.deleted()).containsExactly(runIds);
            assertThat(outcome.recounted()).isTrue();
        }
        assertThat(rowsLeft()).containsExactly(0L, 0L, 0L);
    }

    @Test
    void theDeleteRunsAtRepeatableReadFromTheRunLockOn() throws Exception {
        // given
        Map<Long, RunStamp> exported = stamps(runIds);
        try (Connection con = transaction()) {
            // when
            delete(con, exported, false);
            // then
            try (Statement statement = con.createStatement();
                    ResultSet rs = statement.executeQuery("SELECT current_setting('transaction_isolation')")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("repeatable read");
            }
            con.rollback();
        }
        // and a transaction that has already run a query cannot be made one: the delete refuses it
        try (Connection con = transaction()) {
            try (Statement statement = con.createStatement()) {
                statement.execute("SELECT 1");
            }
            assertThatThrownBy(() -> delete(con, exported, false))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25001"));
            con.rollback();
        }
        assertThat(rowsLeft()).containsExactly(4L, 12L, 8L);
    }

    @Test
    void aRunNotYetEligibleIsNotDeleted() throws Exception {
        // given the last run finished again after the cutoff (a retry of the run)
        Map<Long, RunStamp> exported = stamps(runIds);
        DB.execute("UPDATE pipeline_runs SET finished_at = timestamptz '" + CUTOFF.plusSeconds(60) + "' WHERE id = "
                + runIds[3]);
        try (Connection con = transaction()) {
            // when
            VerifiedDelete.Outcome outcome = delete(con, exported, false);
            con.commit();
            // then
            assertThat(outcome.deleted()).containsExactly(runIds[0], runIds[1], runIds[2]);
        }
        assertThat(DB.count("SELECT count(*) FROM pipeline_steps WHERE run_id = " + runIds[3]))
                .isEqualTo(3);
    }

    @Test
    void aRunWithoutAStampStopsTheDeleteBeforeAnyRowGoes() throws Exception {
        // given a stamp missing for the first run
        Map<Long, RunStamp> exported = new HashMap<>(stamps(runIds));
        exported.remove(runIds[0]);
        try (Connection con = transaction()) {
            // when / then
            assertThatThrownBy(() -> delete(con, exported, false))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("1 of 4 runs to purge have no stamp");
            con.commit();
        }
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(4);
    }

    @Test
    void theCallersRollbackUndoesTheDelete() throws Exception {
        // given
        Map<Long, RunStamp> exported = stamps(runIds);
        try (Connection con = transaction()) {
            // when
            assertThat(delete(con, exported, false).deleted()).hasSize(4);
            con.rollback();
        }
        // then
        assertThat(rowsLeft()).containsExactly(4L, 12L, 8L);
    }

    private VerifiedDelete.Outcome delete(Connection con, Map<Long, RunStamp> exported, boolean countFirst)
            throws Exception {
        return new VerifiedDelete(sources, Duration.ofSeconds(5))
                .delete(con, batch, runIds, exported, countFirst, countsOff -> recountsStarted++);
    }

    /** The stamps as the export records them: counted now, before any change. */
    private Map<Long, RunStamp> stamps(long[] ids) throws Exception {
        try (Connection con = DB.connect()) {
            return RunStamps.count(con, sources, ids);
        }
    }

    private static Connection transaction() throws Exception {
        Connection con = DB.connect();
        con.setAutoCommit(false);
        return con;
    }

    /** Rows left in pipeline_runs, pipeline_steps and llm_calls. */
    private static List<Long> rowsLeft() {
        return List.of(
                DB.count("SELECT count(*) FROM pipeline_runs"),
                DB.count("SELECT count(*) FROM pipeline_steps"),
                DB.count("SELECT count(*) FROM llm_calls"));
    }
}
