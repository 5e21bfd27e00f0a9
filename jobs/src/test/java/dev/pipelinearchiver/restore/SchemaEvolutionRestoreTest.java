package dev.pipelinearchiver.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelinearchiver.archive.ArchiveLauncher.Outcome;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import dev.pipelinearchiver.verify.ArchiveVerifier;
import dev.pipelinearchiver.verify.DtRange;
import dev.pipelinearchiver.verify.Problem;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Restoring a day archived before the backend's schema changed: what the archive holds goes back into
 * today's tables whenever it can faithfully (a table or a column added since), and is refused, naming the
 * column, when it cannot (a column dropped or retyped, or added as NOT NULL without a default).
 */
class SchemaEvolutionRestoreTest extends ArchiveTestSupport {

    private static final List<String> TABLES = List.of("pipeline_runs", "pipeline_steps", "llm_calls");
    private static final LocalDate DAY = LocalDate.parse("2026-05-10");

    @Autowired
    RunRestorer restorer;

    @Autowired
    ArchiveVerifier verifier;

    /** Each table's rows before the archive, by the columns it had then. */
    private Map<String, List<List<Object>>> snapshot() throws Exception {
        Map<String, List<List<Object>>> tables = new LinkedHashMap<>();
        for (String table : TABLES) {
            tables.put(table, postgres("SELECT " + columnsOf(table) + " FROM " + table + " ORDER BY id"));
        }
        return tables;
    }

    private final Map<String, String> originalColumns = new LinkedHashMap<>();

    private String columnsOf(String table) throws Exception {
        if (!originalColumns.containsKey(table)) {
            List<String> names = postgres("SELECT quote_ident(column_name) FROM information_schema.columns"
                            + " WHERE table_schema = 'public' AND table_name = '" + table
                            + "' ORDER BY ordinal_position")
                    .stream()
                    .map(row -> row.get(0).toString())
                    .toList();
            originalColumns.put(table, String.join(", ", names));
        }
        return originalColumns.get(table);
    }

    /** One day of runs, archived; returns what PostgreSQL held. */
    private Map<String, List<List<Object>>> archivedDay() throws Exception {
        fixture.runs(6, "ok", Instant.parse("2026-05-10T01:00:00Z"), 600, 3);
        Map<String, List<List<Object>>> before = snapshot();
        assertThat(before.get("pipeline_runs")).hasSize(6);
        assertThat(launcher.archive(CUTOFF).outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isZero();
        return before;
    }

    private List<Problem> verify() throws Exception {
        List<Problem> problems = new ArrayList<>();
        verifier.verify(DtRange.ALL, null, problems::add);
        return problems;
    }

    @Test
    void aDayArchivedBeforeANewCascadingTableAndNewColumnsRestoresIntoTodaysSchema() throws Exception {
        // given: a day archived, then a table the runs' deletion cascades to, a nullable column and one with
        // a default added
        Map<String, List<List<Object>>> before = archivedDay();
        DB.execute("""
                CREATE TABLE step_artifacts (
                    id bigserial PRIMARY KEY,
                    step_id integer NOT NULL REFERENCES pipeline_steps (id) ON DELETE CASCADE,
                    body text);
                ALTER TABLE llm_calls ADD COLUMN tier text;
                ALTER TABLE pipeline_steps ADD COLUMN attempt integer NOT NULL DEFAULT 1;
                """);

        // when
        RestoreReport report = restorer.restore(RestoreRequest.day(DAY, false));

        // then: every original column back, identical; the new columns NULL and their default
        assertThat(report.runsRestored()).isEqualTo(6);
        assertThat(snapshot()).isEqualTo(before);
        assertThat(postgres("SELECT DISTINCT tier FROM llm_calls"))
                .containsExactly(java.util.Arrays.asList((Object) null));
        assertThat(postgres("SELECT DISTINCT attempt FROM pipeline_steps")).containsExactly(List.of(1L));
        assertThat(DB.count("SELECT count(*) FROM step_artifacts")).isZero();
        // and the notes say which table had no file and which columns were not archived
        assertThat(report.notes())
                .anySatisfy(note -> assertThat(note)
                        .startsWith("batch ")
                        .contains("has no file of step_artifacts (not archived then"))
                .anySatisfy(
                        note -> assertThat(note)
                                .isEqualTo(
                                        "public.llm_calls.tier is not in the archive (added since?): restored rows get its default."))
                .anySatisfy(note -> assertThat(note)
                        .isEqualTo("public.pipeline_steps.attempt is not in the archive"
                                + " (added since?): restored rows get its default."));
        assertThat(report.batches().get(0).rows()).containsOnlyKeys(TABLES);
        // and the runs left the archive, whose files still match the ledger
        for (String table : TABLES) {
            assertThat(archive.rows(table, "id")).as(table).isEmpty();
        }
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'released'"))
                .isEqualTo(6);
        assertThat(verify()).isEmpty();
    }

    @Test
    void aRetypedADroppedOrANewNotNullColumnIsRefusedNamingItAndNothingLeavesTheArchive() throws Exception {
        // given: a day archived
        archivedDay();
        Map<String, List<List<Object>>> archived = new LinkedHashMap<>();
        for (String table : TABLES) {
            archived.put(table, archive.rows(table, "id"));
            assertThat(archived.get(table)).as(table).isNotEmpty();
        }

        // when/then: a retyped column
        DB.execute("ALTER TABLE llm_calls ALTER COLUMN latency_ms TYPE bigint");
        assertRefused(
                "Refusing to restore batch ",
                ": column public.llm_calls.latency_ms was archived as int4 but is int8 today (retyped since);"
                        + " nothing was restored.");
        DB.execute("ALTER TABLE llm_calls ALTER COLUMN latency_ms TYPE integer");

        // when/then: a column added since as NOT NULL without a default
        DB.execute("ALTER TABLE pipeline_steps ADD COLUMN attempt integer NOT NULL");
        assertRefused(
                "Refusing to restore batch ",
                ": column public.pipeline_steps.attempt was added since as NOT NULL without a default, and the"
                        + " archived rows have no value for it; nothing was restored.");
        DB.execute("ALTER TABLE pipeline_steps DROP COLUMN attempt");

        // when/then: a dropped column
        DB.execute("ALTER TABLE llm_calls DROP COLUMN error");
        assertRefused(
                "Refusing to restore batch ",
                ": the archive holds column public.llm_calls.error, which the table no longer has (dropped since);"
                        + " its values would be lost, so nothing was restored.");

        // then: nothing was restored, and the archive holds every row it held
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isZero();
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state <> 'purged'"))
                .isZero();
        for (String table : TABLES) {
            assertThat(archive.rows(table, "id")).as(table).isEqualTo(archived.get(table));
        }
        assertThat(verify()).isEmpty();
    }

    private void assertRefused(String start, String end) {
        assertThatThrownBy(() -> restorer.restore(RestoreRequest.day(DAY, false)))
                .isInstanceOf(RestoreException.class)
                .hasMessageStartingWith(start)
                .hasMessageEndingWith(end)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
