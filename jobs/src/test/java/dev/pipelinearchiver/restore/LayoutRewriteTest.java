package dev.pipelinearchiver.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.archive.ArchiveLauncher;
import dev.pipelinearchiver.parquet.AvroMapping;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import dev.pipelinearchiver.support.ArchiverCommands;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.verify.ArchiveVerifier;
import dev.pipelinearchiver.verify.DtRange;
import dev.pipelinearchiver.verify.Problem;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * {@code rewrite-layout} over the layout version 1 fixture: the files with decimals are rewritten, verified
 * and recorded; DuckDB reads the same values from them; a second run changes nothing; a run killed after
 * recording the new files is finished by the next; the archive then verifies and restores exactly.
 */
class LayoutRewriteTest extends ArchiveTestSupport {

    private static final List<String> FILES = List.of("llm_calls", "pipeline_runs", "pipeline_steps", "step_artifacts");

    @Autowired
    LayoutRewriter rewriter;

    @Autowired
    ArchiveVerifier verifier;

    @Autowired
    RunRestorer restorer;

    @Autowired
    ParquetArchive parquet;

    private final ArchiverCommands cli = new ArchiverCommands(DB, ROOT);

    @BeforeEach
    void loadTheFixture() throws Exception {
        DB.execute(LayoutV1FixtureTest.allTypesTable());
        LayoutV1FixtureTest.load(DB);
    }

    @Test
    void rewritesVersion1FilesOnceAndTheArchiveStillVerifiesAndRestores() throws Exception {
        // given: what DuckDB reads from the version 1 files
        List<List<List<Object>>> before = duckDbRows();
        List<List<Object>> ledgerBefore = ledger();
        assertThat(before).extracting(List::size).containsExactly(6, 3, 6, 12);

        // when
        Outcome first = cli.run("rewrite-layout");
        List<List<Object>> ledgerAfter = ledger();
        Outcome second = cli.run("rewrite-layout");

        // then: the two files with decimals rewritten into version 2, the same values read by DuckDB
        assertThat(first.exitCode()).as(first.stderr()).isZero();
        assertThat(first.stdout())
                .contains("rewrite-layout: 2 files rewritten into layout version 2, 0 interrupted rewrites finished,"
                        + " 2 files already current");
        assertThat(duckDbRows()).isEqualTo(before); // every column but tags, a text[]: text in version 1, a list now
        assertThat(archive.query("SELECT typeof(tags), len(tags), tags[2] FROM " + archive.dataset("step_artifacts")
                        + " WHERE tags IS NOT NULL ORDER BY id LIMIT 2"))
                .containsExactly(Arrays.asList("VARCHAR[]", 3L, "b c"), Arrays.asList("VARCHAR[]", 0L, null));
        for (List<Object> file : ledgerAfter) {
            Schema schema = parquet.avroSchema((String) file.get(1));
            assertThat(schema.getObjectProp(AvroMapping.VERSION))
                    .as(file.get(0).toString())
                    .isEqualTo(file.get(0).equals("llm_calls") || file.get(0).equals("step_artifacts") ? 2 : null);
            assertThat((String) file.get(1)).doesNotContain(LayoutRewriter.HIDDEN);
        }
        assertThat(ledgerAfter)
                .extracting(row -> row.get(2))
                .doesNotContainAnyElementsOf(ledgerBefore.stream()
                        .filter(row ->
                                row.get(0).equals("llm_calls") || row.get(0).equals("step_artifacts"))
                        .map(row -> row.get(2))
                        .toList());
        // and the second run changes nothing
        assertThat(second.stdout())
                .contains("0 files rewritten into layout version 2, 0 interrupted rewrites finished,"
                        + " 4 files already current");
        assertThat(ledger()).isEqualTo(ledgerAfter);
        assertVerifiesAndRestoresExactly();
    }

    @Test
    void aRunKilledAfterRecordingTheNewFilesIsFinishedByTheNext() throws Exception {
        // given: a run stopped after each new file was written, checked and recorded under its hidden name
        rewriter.rewrite(line -> {}, false);
        assertThat(ledger())
                .extracting(row -> (String) row.get(1))
                .filteredOn(path -> path.contains(LayoutRewriter.HIDDEN))
                .hasSize(2);

        // when
        LayoutRewriter.Report report = rewriter.rewrite(line -> {});

        // then: finished, no hidden file left, and the archive is whole
        assertThat(report).isEqualTo(new LayoutRewriter.Report(0, 2, 2));
        try (var files = Files.walk(ROOT)) {
            assertThat(files.map(path -> path.getFileName().toString())).noneMatch(name -> name.startsWith("."));
        }
        assertThat(rewriter.rewrite(line -> {})).isEqualTo(new LayoutRewriter.Report(0, 0, 4));
        assertVerifiesAndRestoresExactly();
    }

    @Test
    void aRewriteAndALaunchOfTheSameShardExcludeEachOther() throws Exception {
        // given: another session holds shard 0's archive lock, as a running launch (or rewrite) does
        List<List<Object>> ledgerBefore = ledger();
        Outcome refused;
        try (Connection con = DB.connect();
                Statement st = con.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + ArchiveLauncher.LOCK_CLASS + ", 0)");
            refused = cli.run("rewrite-layout");
        }

        // then: refused in one line, nothing rewritten
        assertThat(refused.exitCode()).as(refused.stderr()).isEqualTo(3);
        assertThat(ArchiverCommands.lastLine(refused.stderr()))
                .contains("another process holds the archive lock of shard 0 on this database (an archive launch or"
                        + " another rewrite-layout); its files were not rewritten");
        assertThat(ledger()).isEqualTo(ledgerBefore);

        // when: a launch (and another rewrite) start while a rewrite is under way
        List<Outcome> meanwhile = new ArrayList<>();
        LayoutRewriter.Report report = rewriter.rewrite(line -> {
            if (meanwhile.isEmpty()) {
                meanwhile.add(cli.run("archive", "--cutoff=2026-06-01T00:00:00Z"));
                meanwhile.add(cli.run("rewrite-layout"));
            }
        });

        // then: both refused, and the rewrite finished
        assertThat(meanwhile).extracting(Outcome::exitCode).containsExactly(3, 3);
        assertThat(ArchiverCommands.lastLine(meanwhile.get(0).stderr()))
                .contains("another archive job or rewrite-layout is running on this database");
        assertThat(report).isEqualTo(new LayoutRewriter.Report(2, 0, 2));
        assertVerifiesAndRestoresExactly();
    }

    private void assertVerifiesAndRestoresExactly() throws Exception {
        List<Problem> problems = new ArrayList<>();
        assertThat(verifier.verify(DtRange.ALL, null, problems::add).filesChecked())
                .isEqualTo(4);
        assertThat(problems).isEmpty();
        restorer.restore(RestoreRequest.day(LocalDate.parse("2026-05-10"), false));
        assertThat(LayoutV1FixtureTest.rowDigests())
                .isEqualTo(Files.readAllLines(LayoutV1FixtureTest.FIXTURE.resolve("rows.tsv")));
    }

    /** Per table: the ledger's path and SHA-256. */
    private List<List<Object>> ledger() throws Exception {
        return postgres("SELECT table_name, path, sha256 FROM archiver.archive_file ORDER BY table_name");
    }

    private List<List<List<Object>>> duckDbRows() throws Exception {
        List<List<List<Object>>> tables = new ArrayList<>();
        for (String table : FILES) {
            tables.add(archive.query("SELECT id, CAST(t AS VARCHAR) FROM (SELECT * EXCLUDE (dt"
                    + (table.equals("step_artifacts") ? ", tags" : "") + ") FROM " + archive.dataset(table)
                    + ") t ORDER BY id"));
        }
        return tables;
    }
}
