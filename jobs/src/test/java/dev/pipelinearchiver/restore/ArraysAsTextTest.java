package dev.pipelinearchiver.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.parquet.WrittenFile;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import dev.pipelinearchiver.support.ArchiverCommands;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.CapturedLogs;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetReader;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * archiver.source.arrays-as-text: arrays a Parquet LIST cannot hold (several dimensions, or not counted from 1)
 * stop the export in one line naming the column and the setting, with nothing deleted; with the setting the
 * column is archived as PostgreSQL's array text and restored identical, and rewrite-layout leaves it text.
 */
class ArraysAsTextTest extends ArchiveTestSupport {

    private static final String SETTING = "--archiver.source.arrays-as-text=step_grids.grid";

    private final ArchiverCommands cli = new ArchiverCommands(DB, ROOT);

    @Autowired
    ParquetArchive parquet;

    /** Steps with a grid each: a 2-D array, one counted from 0, ordinary ones, NULL; and a 1-D text[] beside. */
    private void gridsOfEveryShape() {
        fixture.runs(3, "ok", Instant.parse("2026-05-29T00:00:00Z"), 60, 2);
        DB.execute("""
                CREATE TABLE step_grids (
                    id bigserial PRIMARY KEY,
                    step_id bigint NOT NULL REFERENCES pipeline_steps (id) ON DELETE CASCADE,
                    grid int4[], tags text[]);
                INSERT INTO step_grids (step_id, grid, tags)
                SELECT s.id, v.grid, v.tags FROM (SELECT id, row_number() OVER (ORDER BY id) n FROM pipeline_steps) s
                JOIN (VALUES
                    (1, '{{1,2},{3,4}}'::int4[], ARRAY['a', 'b c']),
                    (2, '[0:1]={5,6}', ARRAY['x']),
                    (3, '{7,NULL,-8}', NULL),
                    (4, '{}', '{}'),
                    (5, NULL, ARRAY[NULL, 'n']),
                    (6, '[2:3][-1:0]={{1,NULL},{3,4}}', ARRAY['"q"'])) v(n, grid, tags) ON v.n = s.n;
                CREATE TABLE grids_before AS SELECT id, grid, grid::text AS text FROM step_grids;""");
    }

    @Test
    void anArrayAListCannotHoldStopsTheExportNamingTheColumnAndTheSettingWithNothingDeleted() throws Exception {
        // given
        gridsOfEveryShape();

        // when
        Outcome failed = cli.run("archive", "--cutoff=" + CUTOFF);
        Outcome again = cli.run("archive", "--cutoff=" + CUTOFF);

        // then: one line naming table, column, run and setting, every time; nothing deleted
        assertThat(failed.exitCode()).as(failed.stderr()).isEqualTo(1);
        String line = ArchiverCommands.lastLine(failed.stderr());
        assertThat(line)
                .matches(".*step_grids\\.grid holds an array of 2 dimensions \\(run \\d+\\), which a Parquet LIST .*")
                .contains("none of the batch's runs was deleted")
                .contains("list step_grids.grid in archiver.source.arrays-as-text");
        assertThat(failed.stderr()).doesNotContain("\tat ", "Exception:");
        // the step's failure log holds the sentence, without a stack trace (an expected condition)
        List<String> stepFailures = CapturedLogs.events().stream()
                .map(CapturedLogs::format)
                .filter(event -> event.contains("step_grids.grid holds"))
                .toList();
        assertThat(stepFailures)
                .isNotEmpty()
                .allSatisfy(event -> assertThat(event).doesNotContain("\tat "));
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(ArchiverCommands.lastLine(again.stderr())).contains("step_grids.grid holds an array of 2");
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(3);
        assertThat(DB.count("SELECT count(*) FROM step_grids")).isEqualTo(6);
    }

    @Test
    void withTheSettingTheColumnIsArchivedAsPostgresArrayTextAndRestoredIdentical() throws Exception {
        // given
        gridsOfEveryShape();
        List<List<Object>> texts = postgres("SELECT id, text FROM grids_before ORDER BY id");

        // when
        Outcome archived = cli.run("archive", "--cutoff=" + CUTOFF, SETTING);

        // then: archived and purged; DuckDB reads grid as text equal to PostgreSQL's grid::text, tags as a list
        assertThat(archived.exitCode()).as(archived.stderr()).isZero();
        assertThat(DB.count("SELECT count(*) FROM step_grids")).isZero();
        assertThat(archive.query("SELECT id, grid FROM " + archive.dataset("step_grids") + " ORDER BY id"))
                .isEqualTo(texts);
        assertThat(archive.query("SELECT DISTINCT typeof(grid), typeof(tags) FROM " + archive.dataset("step_grids")))
                .containsExactly(List.of("VARCHAR", "VARCHAR[]"));
        assertThat(archive.query("SELECT len(tags), tags[2] FROM " + archive.dataset("step_grids") + " ORDER BY id"))
                .containsExactly(
                        List.of(2L, "b c"),
                        Arrays.asList(1L, null),
                        Arrays.asList(null, null),
                        Arrays.asList(0L, null),
                        List.of(2L, "n"),
                        Arrays.asList(1L, null));

        // and rewrite-layout leaves the text column as it is (a version 2 file): nothing to rewrite
        Outcome rewrite = cli.run("rewrite-layout");
        assertThat(rewrite.exitCode()).as(rewrite.stderr()).isZero();
        assertThat(rewrite.stdout()).contains("0 files rewritten into layout version 2");
        assertThat(archive.query("SELECT DISTINCT typeof(grid) FROM " + archive.dataset("step_grids")))
                .containsExactly(List.of("VARCHAR"));

        // when: restored
        Outcome restored = cli.run("restore", "--dt=2026-05-29"); // the files say how

        // then: every array back identical, its bounds and dimensions included
        assertThat(restored.exitCode()).as(restored.stderr()).isZero();
        assertThat(DB.count("SELECT count(*) FROM step_grids")).isEqualTo(6);
        assertThat(DB.count("""
                        SELECT count(*) FROM step_grids g JOIN grids_before b USING (id)
                        WHERE (g.grid = b.grid OR (g.grid IS NULL AND b.grid IS NULL))
                          AND array_lower(g.grid, 1) IS NOT DISTINCT FROM array_lower(b.grid, 1)
                          AND array_ndims(g.grid) IS NOT DISTINCT FROM array_ndims(b.grid)
                          AND g.grid::text IS NOT DISTINCT FROM b.text""")).isEqualTo(6);
        assertThat(DB.count("SELECT count(*) FROM step_grids WHERE array_lower(grid, 1) = 0"))
                .isEqualTo(1);
    }

    @Test
    void theSettingIsCheckedAtStartBeforeAnyWrite() throws Exception {
        // given
        gridsOfEveryShape();

        // when
        Outcome unknownTable = cli.run("archive", "--cutoff=" + CUTOFF, "--archiver.source.arrays-as-text=grids.grid");
        Outcome notAnArray =
                cli.run("archive", "--cutoff=" + CUTOFF, "--archiver.source.arrays-as-text=step_grids.step_id");
        Outcome noColumn = cli.run("archive", "--cutoff=" + CUTOFF, "--archiver.source.arrays-as-text=step_grids.nope");
        Outcome notQualified = cli.run("archive", "--cutoff=" + CUTOFF, "--archiver.source.arrays-as-text=grid");

        // then: exit 2, one line each, nothing written or deleted
        assertThat(List.of(unknownTable, notAnArray, noColumn, notQualified))
                .extracting(Outcome::exitCode)
                .containsOnly(2);
        assertThat(ArchiverCommands.lastLine(unknownTable.stderr()))
                .contains("archiver.source.arrays-as-text lists grids.grid, but grids is not an archived table");
        assertThat(ArchiverCommands.lastLine(notAnArray.stderr()))
                .contains("archiver.source.arrays-as-text lists step_grids.step_id, but public.step_grids.step_id"
                        + " is not an array.");
        assertThat(ArchiverCommands.lastLine(noColumn.stderr())).contains("but public.step_grids has no column nope.");
        assertThat(ArchiverCommands.lastLine(notQualified.stderr())).contains("Invalid configuration", "arrays");
        try (Stream<java.nio.file.Path> files = Files.walk(ROOT)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
        assertThat(DB.count("SELECT count(*) FROM archiver.archive_batch")).isZero();
        assertThat(DB.count("SELECT count(*) FROM step_grids")).isEqualTo(6);
    }

    @Test
    void rewriteLayoutKeepsAVersion1TextArrayOfAListedColumnAsText() throws Exception {
        // given: the version 1 fixture, whose step_artifacts.tags (text[]) is text
        DB.execute(LayoutV1FixtureTest.allTypesTable());
        LayoutV1FixtureTest.load(DB);

        // when
        Outcome first = cli.run("rewrite-layout", "--archiver.source.arrays-as-text=step_artifacts.tags");
        Outcome second = cli.run("rewrite-layout");

        // then: the files with decimals rewritten, tags kept as text, even by a later run without the setting
        assertThat(first.exitCode()).as(first.stderr()).isZero();
        assertThat(first.stdout()).contains("2 files rewritten into layout version 2");
        assertThat(second.stdout()).contains("0 files rewritten into layout version 2");
        assertThat(archive.query("SELECT DISTINCT typeof(tags) FROM " + archive.dataset("step_artifacts")))
                .containsExactly(List.of("VARCHAR"));
        assertThat(archive.query("SELECT tags FROM " + archive.dataset("step_artifacts")
                        + " WHERE tags IS NOT NULL ORDER BY id LIMIT 1"))
                .containsExactly(List.of("{a,\"b c\",NULL}"));
        Outcome restored = cli.run("restore", "--dt=2026-05-10");
        assertThat(restored.exitCode()).as(restored.stderr()).isZero();
        assertThat(LayoutV1FixtureTest.rowDigests())
                .isEqualTo(Files.readAllLines(LayoutV1FixtureTest.FIXTURE.resolve("rows.tsv")));
    }

    @Test
    void rewriteLayoutStopsOnAVersion1ArrayAListCannotHoldNamingTheSettingAndKeepsAListedColumnAsText()
            throws Exception {
        // given: step_grids archived, its file then made as version 1 wrote it (grid as text, no version)
        gridsOfEveryShape();
        assertThat(cli.run("archive", "--cutoff=" + CUTOFF, SETTING).exitCode()).isZero();
        String path = (String) postgres("SELECT path FROM archiver.archive_file WHERE table_name = 'step_grids'")
                .get(0)
                .get(0);
        Schema current = parquet.avroSchema(path);
        Schema version1 = Schema.createRecord(
                current.getName(),
                current.getDoc(),
                current.getNamespace(),
                false,
                current.getFields().stream()
                        .map(field -> new Schema.Field(field, field.schema()))
                        .toList());
        String v1Path = path.replace("/part-", "/part-v1-");
        WrittenFile written;
        try (var staged = parquet.stage(v1Path, version1);
                ParquetReader<GenericRecord> reader = parquet.reader(path)) {
            for (GenericRecord record; (record = reader.read()) != null; ) {
                GenericData.Record copy = new GenericData.Record(version1);
                for (Schema.Field field : current.getFields()) {
                    copy.put(field.name(), record.get(field.pos()));
                }
                staged.write(copy);
            }
            written = staged.commit();
        }
        Files.delete(fileOf(path));
        DB.execute("UPDATE archiver.archive_file SET path = '" + v1Path + "', sha256 = '" + written.sha256()
                + "', byte_count = " + written.bytes() + " WHERE table_name = 'step_grids'");
        List<List<Object>> ledger = postgres("SELECT table_name, path, sha256 FROM archiver.archive_file ORDER BY 1");

        // when
        Outcome refused = cli.run("rewrite-layout");
        Outcome listed = cli.run("rewrite-layout", SETTING);

        // then: refused in one line naming the column and the setting, nothing changed
        assertThat(refused.exitCode()).as(refused.stderr()).isEqualTo(2);
        assertThat(ArchiverCommands.lastLine(refused.stderr()))
                .contains(": step_grids.grid holds an array that a Parquet LIST cannot hold (The array {{1,2},{3,4}}")
                .contains("nothing was changed: list step_grids.grid in archiver.source.arrays-as-text");
        assertThat(postgres("SELECT table_name, path, sha256 FROM archiver.archive_file ORDER BY 1"))
                .isEqualTo(ledger);
        // and with the setting the file is left as it is, text, and restores identical
        assertThat(listed.exitCode()).as(listed.stderr()).isZero();
        assertThat(postgres("SELECT table_name, path, sha256 FROM archiver.archive_file ORDER BY 1"))
                .isEqualTo(ledger);
        assertThat(archive.query("SELECT DISTINCT typeof(grid) FROM " + archive.dataset("step_grids")))
                .containsExactly(List.of("VARCHAR"));
        assertThat(cli.run("restore", "--dt=2026-05-29").exitCode()).isZero();
        assertThat(DB.count("""
                        SELECT count(*) FROM step_grids g JOIN grids_before b USING (id)
                        WHERE g.grid::text IS NOT DISTINCT FROM b.text
                          AND array_lower(g.grid, 1) IS NOT DISTINCT FROM array_lower(b.grid, 1)""")).isEqualTo(6);
    }
}
