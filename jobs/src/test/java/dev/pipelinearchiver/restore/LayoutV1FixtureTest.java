package dev.pipelinearchiver.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiveTestSupport;
import dev.pipelinearchiver.support.Rows;
import dev.pipelinearchiver.verify.ArchiveVerifier;
import dev.pipelinearchiver.verify.DtRange;
import dev.pipelinearchiver.verify.Problem;
import dev.pipelinearchiver.verify.VerifyReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * An archive of layout version 1 (decimals as Avro bytes, arrays as text), written by the archiver of commit
 * a3dc74e with its ledger rows ({@code src/test/resources/layout-v1}, made by its generate.sh): today's
 * code verifies it and restores every row of the all-types cascade exactly as it was.
 */
class LayoutV1FixtureTest extends ArchiveTestSupport {

    static final Path FIXTURE = Path.of("src/test/resources/layout-v1");

    @Autowired
    ArchiveVerifier verifier;

    @Autowired
    RunRestorer restorer;

    @BeforeEach
    void loadTheFixture() throws IOException {
        DB.execute(LayoutV1FixtureTest.allTypesTable());
        load(DB);
    }

    /** The all-types table as the fixture's archive was written from (a3dc74e's; today's may have more columns). */
    static String allTypesTable() throws IOException {
        String sql = Files.readString(FIXTURE.resolve("all-types.sql"), StandardCharsets.UTF_8);
        return sql.substring(0, sql.indexOf("INSERT INTO"));
    }

    /** Copies the fixture's files under ROOT and loads its ledger rows, their paths under ROOT. */
    static void load(dev.pipelinearchiver.support.TestDatabase db) throws IOException {
        Path files = FIXTURE.resolve("root");
        try (Stream<Path> paths = Files.walk(files)) {
            for (Path path : paths.filter(Files::isRegularFile).toList()) {
                Path target = ROOT.resolve(files.relativize(path).toString());
                Files.createDirectories(target.getParent());
                Files.copy(path, target);
            }
        }
        String ledger = Files.readString(FIXTURE.resolve("ledger.sql"), StandardCharsets.UTF_8);
        db.execute(ledger.replace("@ROOT@", "file:" + ROOT.toAbsolutePath()));
    }

    /** Each archived row as {@code table, id, md5(row::text)}, ordered: rows.tsv's lines. */
    static List<String> rowDigests() throws Exception {
        List<String> lines = new ArrayList<>();
        for (String table : List.of("llm_calls", "pipeline_runs", "pipeline_steps", "step_artifacts")) {
            List<List<Object>> rows;
            try (Connection con = DB.connect()) {
                rows = Rows.query(con, "SELECT '" + table + "', id, md5(t::text) FROM " + table + " t ORDER BY id");
            }
            for (List<Object> row : rows) {
                lines.add(row.get(0) + "\t" + row.get(1) + "\t" + row.get(2));
            }
        }
        return lines;
    }

    @Test
    void aVersion1ArchiveVerifiesAndRestoresExactly() throws Exception {
        // when
        List<Problem> problems = new ArrayList<>();
        VerifyReport report = verifier.verify(DtRange.ALL, null, problems::add);
        RestoreReport restored = restorer.restore(RestoreRequest.day(LocalDate.parse("2026-05-10"), false));

        // then: 4 files, 27 rows, all as recorded; every row back, identical in every column
        assertThat(problems).isEmpty();
        assertThat(report.filesChecked()).isEqualTo(4);
        assertThat(report.rowsChecked()).isEqualTo(27);
        assertThat(restored.batches()).hasSize(1);
        assertThat(rowDigests()).isEqualTo(Files.readAllLines(FIXTURE.resolve("rows.tsv")));
    }
}
