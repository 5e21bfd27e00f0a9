package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.archive.ArchiveLauncher.Outcome;
import dev.pipelinearchiver.archive.ArchiveLauncher.Result;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * A process killed while Spring Batch splits the export into partitions, between creating a partition's
 * step execution (committed with an empty context) and saving its context: the relaunch completes exactly.
 * The kill is reproduced by leaving the metadata as it leaves it, through Spring Batch's own repository.
 */
@TestPropertySource(properties = {"archiver.batch-size=10", "archiver.purge-batch-size=4"})
class KilledSplitRestartTest extends ArchiveTestSupport {

    private static final List<String> TABLES = List.of("pipeline_runs", "pipeline_steps", "llm_calls");

    @Autowired
    JobRepository jobRepository;

    @Test
    void relaunchAfterAKillBetweenCreatingAPartitionAndSavingItsContextArchivesEveryRunOnce() throws Exception {
        // given: a launch that stopped in the export with batches still PLANNED (one day cannot be written)
        fixture.runs(60, "ok", Instant.parse("2026-05-28T00:00:00Z"), 4_000, 4);
        fixture.runs(5, "ok", Instant.parse("2026-06-02T00:00:00Z"), 60, 2); // after the cutoff
        List<List<Object>> eligibleRuns =
                postgres("SELECT * FROM pipeline_runs WHERE id IN (" + eligibleRunIds(CUTOFF) + ") ORDER BY id");
        List<List<Object>> eligibleSteps =
                postgres("SELECT * FROM pipeline_steps WHERE run_id IN (" + eligibleRunIds(CUTOFF) + ") ORDER BY id");
        long others = DB.count("SELECT count(*) FROM pipeline_runs") - eligibleRuns.size();
        Path obstacle = ROOT.resolve("pipeline_steps").resolve("dt=2026-05-29");
        Files.createDirectories(obstacle.getParent());
        Files.writeString(obstacle, "in the way");
        Result failed = launcher.archive(CUTOFF);
        assertThat(failed.outcome()).isEqualTo(Outcome.FAILED);
        long planned = DB.count("SELECT min(batch_id) FROM archiver.archive_batch WHERE state = 'PLANNED'");

        // and: that launch's metadata as a SIGKILL inside the split leaves it: the job execution STARTED, and
        // the partition of a PLANNED batch created (STARTING) but its context never saved (empty)
        JobExecution killed = failed.execution();
        StepExecution partition =
                jobRepository.getLastStepExecution(killed.getJobInstance(), "exportBatchStep:batch-" + planned);
        assertThat(partition.getJobExecutionId()).isEqualTo(killed.getId());
        partition.setExecutionContext(new ExecutionContext());
        jobRepository.updateExecutionContext(partition);
        partition.setStatus(BatchStatus.STARTING);
        partition.setEndTime(null);
        jobRepository.update(partition);
        JobExecution execution = jobRepository.getJobExecution(killed.getId());
        execution.setStatus(BatchStatus.STARTED);
        execution.setEndTime(null);
        jobRepository.update(execution);
        assertThat(jobRepository
                        .getLastStepExecution(killed.getJobInstance(), partition.getStepName())
                        .getExecutionContext()
                        .isEmpty())
                .isTrue();

        // when: the cause is gone and the same cutoff is launched again
        Files.delete(obstacle);
        Result resumed = launcher.archive(CUTOFF);

        // then: the same job instance completed, every eligible run archived once and deleted, the others kept
        assertThat(resumed.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(resumed.execution().getJobInstance().getInstanceId())
                .isEqualTo(killed.getJobInstance().getInstanceId());
        assertThat(DB.count("SELECT count(*) FROM archiver.archive_batch WHERE state <> 'PURGED'"))
                .isZero();
        assertThat(archive.rows("pipeline_runs", "id")).isEqualTo(eligibleRuns);
        assertThat(archive.rows("pipeline_steps", "id")).isEqualTo(eligibleSteps);
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(others);
        for (String table : TABLES) {
            assertThat(archive.query("SELECT count(*) - count(DISTINCT id) FROM " + archive.dataset(table)))
                    .as(table)
                    .containsExactly(List.of(0L));
        }
    }
}
