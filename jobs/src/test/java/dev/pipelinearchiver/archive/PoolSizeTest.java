package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.pipelinearchiver.archive.ArchiveLauncher.Outcome;
import dev.pipelinearchiver.archive.ArchiveLauncher.Result;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

/**
 * A connection pool configured smaller than the launch's threads need at once (two per export thread, two per
 * purger, the archive lock, the job repository): the launch raises it and says so, instead of leaving a purger
 * that holds its claim waiting for a second connection until the pool's timeout.
 */
@ExtendWith(OutputCaptureExtension.class)
@DirtiesContext // a context of its own: closed after the class, so that its pool's connections are not kept
@TestPropertySource(
        properties = {
            "spring.datasource.hikari.maximum-pool-size=3",
            "archiver.export-threads=2",
            "archiver.purge-threads=2",
            "archiver.batch-size=4",
            "archiver.purge-batch-size=2",
            "logging.level.dev.pipelinearchiver.archive.ArchiveJobConfiguration=INFO"
        })
class PoolSizeTest extends ArchiveTestSupport {

    @Autowired
    DataSource dataSource;

    @Test
    void aPoolSmallerThanTheThreadsNeedIsRaisedAndTheLaunchCompletes(CapturedOutput output) throws Exception {
        // given: runs over three days, so that both export threads and both purgers have batches to work on
        fixture.runs(24, "ok", Instant.parse("2026-05-20T00:00:00Z"), 3 * 3_600, 2);

        // when
        Result result = launcher.archive(CUTOFF);

        // then: the pool holds what 2 * 2 + 2 * 2 + 2 connections need, the log says why, every run is archived
        assertThat(dataSource.unwrap(HikariDataSource.class).getMaximumPoolSize())
                .isEqualTo(10);
        assertThat(output.getAll())
                .contains("spring.datasource.hikari.maximum-pool-size raised from 3 to 10: export-threads (2) and"
                        + " purge-threads (2) hold up to 10 connections at once");
        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isZero();
        assertThat(archive.query("SELECT count(*) FROM " + archive.dataset("pipeline_runs")))
                .containsExactly(List.of(24L));
        assertThat(archive.query("SELECT count(*) FROM " + archive.dataset("pipeline_steps")))
                .containsExactly(List.of(48L));
    }
}
