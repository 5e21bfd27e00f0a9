package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.parameters.InvalidJobParametersException;

/** The launcher checks the cutoff itself, before Spring Batch creates a job instance for it. */
class CutoffValidationTest extends ArchiveTestSupport {

    @Test
    void aFutureCutoffLeavesNoJobInstanceBehind() throws Exception {
        // given: runs, and no job instance yet
        fixture.runs(5, "ok", Instant.parse("2026-05-30T00:00:00Z"), 3_600, 2);
        long instancesBefore = DB.count("SELECT count(*) FROM archiver.batch_job_instance");

        // when / then: the launch is refused as invalid parameters
        Instant future = Instant.now().plus(Duration.ofDays(1));
        assertThatThrownBy(() -> launcher.archive(future))
                .isInstanceOf(InvalidJobParametersException.class)
                .hasMessageContaining("is in the future");

        // and: nothing was recorded, nothing deleted
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_job_instance")).isEqualTo(instancesBefore);
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(5);
    }
}
