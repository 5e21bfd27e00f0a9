package dev.pipelinearchiver.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.archive.ArchiveLauncher.Outcome;
import dev.pipelinearchiver.storage.ArchiveStorage;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import dev.pipelinearchiver.verify.Problem.Kind;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

class VerifyTest extends ArchiveTestSupport {

    @Autowired
    ArchiveVerifier verifier;

    @Autowired
    ArchiveStorage storage;

    private final List<Problem> problems = new ArrayList<>();

    @BeforeEach
    void archiveThreeDays() throws Exception {
        fixture.runs(30, "ok", Instant.parse("2026-05-27T00:00:00Z"), 8_000, 3); // 2026-05-27 .. 2026-05-29
        assertThat(launcher.archive(CUTOFF).outcome()).isEqualTo(Outcome.COMPLETED);
    }

    private String ledgerPath(String table, String dt) throws Exception {
        return postgres("""
                SELECT f.path FROM archiver.archive_file f JOIN archiver.archive_batch b USING (batch_id)
                WHERE f.table_name = '%s' AND b.dt = '%s'""".formatted(table, dt)).get(0).get(0).toString();
    }

    /** Writes a file (an object) through the archive's storage, as a person or another tool might. */
    private void put(String location, byte[] content) throws IOException {
        try (ArchiveStorage.NewFile file = storage.create(location);
                OutputStream out = file.output().create(0)) {
            out.write(content);
            out.close();
            file.publish(written -> {});
        }
    }

    private static Path local(String path) {
        return fileOf(path);
    }

    @Test
    void aCleanArchiveMatchesTheLedger() throws Exception {
        // when
        VerifyReport report = verifier.verify(DtRange.ALL, null, problems::add);

        // then
        assertThat(problems).isEmpty();
        assertThat(report.clean()).isTrue();
        assertThat(report.filesChecked())
                .isEqualTo(DB.count("SELECT count(*) FROM archiver.archive_file"))
                .isEqualTo(9);
        assertThat(report.rowsChecked())
                .isEqualTo(DB.count("SELECT sum(row_count) FROM archiver.archive_file"))
                .isEqualTo(30 + 90 + 60);
        assertThat(report.summary()).contains("9 files", "all match");
    }

    @Test
    void anAlteredARemovedAndAnUnknownFileAreEachReportedAndHiddenFilesAreNot() throws Exception {
        // given: one byte of a file altered, another file removed, a copy under a new name, and files readers
        // ignore, each written through the archive's storage (files, or objects of a bucket)
        String alteredFile = ledgerPath("pipeline_steps", "2026-05-28");
        Path altered = local(alteredFile);
        byte[] bytes = Files.readAllBytes(altered);
        // in the first page, right after the leading magic: never in the footer, which a small
        // file's middle byte may be (that file would be unreadable, not changed)
        bytes[4] ^= (byte) 0xff;
        put(alteredFile, bytes);
        Path removed = local(ledgerPath("llm_calls", "2026-05-27"));
        storage.delete(ledgerPath("llm_calls", "2026-05-27"));
        String runsFile = ledgerPath("pipeline_runs", "2026-05-29");
        String directory = runsFile.substring(0, runsFile.lastIndexOf('/') + 1);
        byte[] runs = Files.readAllBytes(local(runsFile));
        put(directory + "part-copied-by-hand.parquet", runs);
        Path unknown = local(directory + "part-copied-by-hand.parquet");
        put(directory + ".part-s000-b0000000099.parquet.tmp", "in flight".getBytes(StandardCharsets.UTF_8));
        put(storage.root().resolve("pipeline_runs/_temporary/x.parquet"), runs);

        // when
        VerifyReport report = verifier.verify(DtRange.ALL, null, problems::add);

        // then
        assertThat(problems)
                .extracting(Problem::kind, p -> local(p.path()))
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(Kind.CHANGED, altered),
                        org.assertj.core.groups.Tuple.tuple(Kind.MISSING, removed),
                        org.assertj.core.groups.Tuple.tuple(Kind.UNKNOWN, unknown));
        assertThat(report.problemCount()).isEqualTo(3);
        assertThat(report.summary()).contains("3 problems (1 missing, 1 changed, 1 unknown)");
        assertThat(problems)
                .filteredOn(p -> p.kind() == Kind.CHANGED)
                .singleElement()
                .extracting(Problem::line)
                .asString()
                .contains("pipeline_steps dt=2026-05-28", "SHA-256");
    }

    @Test
    void aDtRangeAndATableLimitWhatIsChecked() throws Exception {
        // given: problems on every day
        Files.delete(local(ledgerPath("pipeline_steps", "2026-05-27")));
        Files.delete(local(ledgerPath("pipeline_steps", "2026-05-29")));
        Files.delete(local(ledgerPath("pipeline_runs", "2026-05-28")));

        // when
        VerifyReport steps = verifier.verify(DtRange.parse("2026-05-28..2026-05-29"), "pipeline_steps", problems::add);

        // then
        assertThat(steps.filesChecked()).isEqualTo(2);
        assertThat(problems)
                .extracting(p -> local(p.path()))
                .containsExactly(local(ledgerPath("pipeline_steps", "2026-05-29")));
        assertThat(DtRange.parse("2026-05-28"))
                .isEqualTo(new DtRange(LocalDate.parse("2026-05-28"), LocalDate.parse("2026-05-28")));
    }
}
