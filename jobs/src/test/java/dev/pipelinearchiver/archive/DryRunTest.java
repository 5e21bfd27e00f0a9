package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.nio.file.Files;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

class DryRunTest extends ArchiveTestSupport {

    @Autowired
    DryRun dryRun;

    @Test
    void countsPerDayWhatALaunchWouldArchiveAndWritesNothing() throws Exception {
        // given: two days before the cutoff, one after, and unfinished runs
        fixture.runs(10, "ok", Instant.parse("2026-05-30T10:00:00Z"), 600, 3);
        fixture.runs(4, "error", Instant.parse("2026-05-31T10:00:00Z"), 600, 2);
        fixture.runs(5, "ok", Instant.parse("2026-06-02T10:00:00Z"), 600, 2);
        fixture.runs(3, "running", null, 0, 2);
        long batchesBefore = DB.count("SELECT count(*) FROM archiver.archive_batch");

        // when
        DryRun.Report report = dryRun.report(CUTOFF);

        // then
        assertThat(report.tables()).containsExactly("pipeline_runs", "llm_calls", "pipeline_steps");
        assertThat(report.days())
                .extracting(DryRun.Day::dt)
                .containsExactly(LocalDate.parse("2026-05-30"), LocalDate.parse("2026-05-31"));
        assertThat(report.days().get(0).rows())
                .containsEntry("pipeline_runs", 10L)
                .containsEntry("pipeline_steps", 30L)
                .containsEntry("llm_calls", 20L);
        assertThat(report.days().get(1).rows())
                .containsEntry("pipeline_runs", 4L)
                .containsEntry("pipeline_steps", 8L)
                .containsEntry("llm_calls", 4L);
        assertThat(report.total("pipeline_steps")).isEqualTo(38);
        assertThat(report.totalBytes()).isPositive();

        // and nothing was written or deleted
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(22);
        assertThat(DB.count("SELECT count(*) FROM archiver.archive_batch")).isEqualTo(batchesBefore);
        try (var files = Files.list(ROOT)) {
            assertThat(files.toList()).isEmpty();
        }
        // and a real launch then archives exactly what it announced
        launcher.archive(CUTOFF);
        assertThat(archive.query("SELECT count(*) FROM " + archive.dataset("pipeline_steps")))
                .containsExactly(List.of(38L));
    }
}
