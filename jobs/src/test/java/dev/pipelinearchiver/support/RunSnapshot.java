package dev.pipelinearchiver.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The rows of the backend's three tables for a set of runs, value by value, taken before a launch and
 * compared afterwards with the archive (read by DuckDB) and with what is left in PostgreSQL: the test
 * of "no loss, no duplicate".
 */
public record RunSnapshot(Map<String, List<List<Object>>> rows) {

    public static final List<String> TABLES = List.of("pipeline_runs", "pipeline_steps", "llm_calls");

    /** SQL selecting the ids of the runs eligible at a cutoff, with the default settings. */
    public static String eligibleRunIds(Instant cutoff) {
        return "SELECT id FROM pipeline_runs WHERE status IN ('ok','error','cancelled') AND finished_at < timestamptz '"
                + cutoff + "'";
    }

    /** The rows of the runs matching {@code runFilter} (e.g. {@code "IN (SELECT ...)"}), ordered by id. */
    public static RunSnapshot of(TestDatabase db, String runFilter) throws Exception {
        try (Connection con = db.connect()) {
            return new RunSnapshot(Map.of(
                    "pipeline_runs",
                            Rows.query(con, "SELECT * FROM pipeline_runs WHERE id " + runFilter + " ORDER BY id"),
                    "pipeline_steps",
                            Rows.query(con, "SELECT * FROM pipeline_steps WHERE run_id " + runFilter + " ORDER BY id"),
                    "llm_calls",
                            Rows.query(con, "SELECT * FROM llm_calls WHERE run_id " + runFilter + " ORDER BY id")));
        }
    }

    /**
     * Every row of {@code eligible} is in the archive exactly once (and nothing else is), and PostgreSQL
     * holds exactly {@code others}, unchanged.
     */
    public static void assertArchivedExactlyOnce(
            TestDatabase db, DuckDbArchive archive, RunSnapshot eligible, RunSnapshot others) throws Exception {
        for (String table : TABLES) {
            assertThat(archive.rows(table, "id"))
                    .as("archived " + table)
                    .isEqualTo(eligible.rows().get(table));
        }
        assertThat(of(db, "IS NOT NULL")).as("left in PostgreSQL").isEqualTo(others);
    }
}
