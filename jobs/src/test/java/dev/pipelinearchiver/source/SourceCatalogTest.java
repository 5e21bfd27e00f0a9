package dev.pipelinearchiver.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The catalog is inspected before every export batch and every purge transaction, and answers from its
 * last inspection while the catalog's fingerprint is unchanged: every change a backend migration could
 * make mid-launch must still show at the next call.
 */
class SourceCatalogTest extends ArchiveTestSupport {

    @Autowired
    SourceCatalog catalog;

    private SourceTable table(String name) {
        return catalog.inspect().tables().stream()
                .filter(t -> t.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private List<String> columnsOf(String table) {
        return table(table).columns().stream().map(SourceColumn::name).toList();
    }

    @Test
    void seesEveryChangeToWhatARunsDeleteReachesAtTheNextCall() {
        // given
        assertThat(catalog.inspect().tableNames())
                .containsExactlyInAnyOrder("pipeline_runs", "pipeline_steps", "llm_calls");
        assertThat(catalog.inspect().tableNames())
                .containsExactlyInAnyOrder("pipeline_runs", "pipeline_steps", "llm_calls"); // from the last inspection

        // a new table that the delete cascades to
        DB.execute(
                "CREATE TABLE run_notes (id serial PRIMARY KEY, run_id integer REFERENCES pipeline_runs (id) ON DELETE CASCADE, note text, weight integer)");
        assertThat(catalog.inspect().tableNames())
                .containsExactlyInAnyOrder("pipeline_runs", "pipeline_steps", "llm_calls", "run_notes");

        // a column added, one dropped, one retyped
        DB.execute("ALTER TABLE pipeline_steps ADD COLUMN model_version text");
        assertThat(columnsOf("pipeline_steps")).endsWith("model_version");
        DB.execute("ALTER TABLE run_notes DROP COLUMN note");
        assertThat(columnsOf("run_notes")).containsExactly("id", "run_id", "weight");
        DB.execute("ALTER TABLE run_notes ALTER COLUMN weight TYPE bigint");
        assertThat(table("run_notes").column("weight").typeName()).isEqualTo("int8");

        // a table renamed, and one a step's delete cascades to, two hops away
        DB.execute("ALTER TABLE run_notes RENAME TO run_remarks");
        assertThat(catalog.inspect().tableNames()).contains("run_remarks").doesNotContain("run_notes");
        DB.execute(
                "CREATE TABLE step_files (id serial PRIMARY KEY, step_id integer REFERENCES pipeline_steps (id) ON DELETE CASCADE)");
        assertThat(catalog.inspect().tableNames()).contains("step_files");

        // a primary key that changes the files' sort order
        DB.execute(
                "ALTER TABLE step_files DROP CONSTRAINT step_files_pkey; ALTER TABLE step_files ADD PRIMARY KEY (step_id, id)");
        assertThat(table("step_files").primaryKey()).containsExactly("step_id", "id");

        // and a foreign key that would block the delete stops the job, at once
        DB.execute("CREATE TABLE run_locks (run_id integer REFERENCES pipeline_runs (id))");
        assertThatThrownBy(catalog::inspect)
                .isInstanceOf(SourceSchemaException.class)
                .hasMessageContaining("run_locks");
        DB.execute("DROP TABLE run_locks");
        assertThat(catalog.inspect().tableNames()).doesNotContain("run_locks");
    }
}
