package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiverCommands;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.DuckDbArchive;
import dev.pipelinearchiver.support.RunSnapshot;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.TestDatabase;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shard settings as an operator meets them (issue 18): an index outside [0, count), a launch whose
 * shard count differs from an unfinished launch of the same cutoff, and the shard in {@code executions}
 * and {@code show}.
 */
class ShardLayoutTest {

    private static final String CUTOFF = "2026-06-01T00:00:00Z";
    private static final String ELIGIBLE = RunSnapshot.eligibleRunIds(Instant.parse(CUTOFF));

    private static TestDatabase db;

    @TempDir
    Path root;

    private ArchiverCommands cli;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("archiver_shard_layout");
    }

    @AfterAll
    static void dropDatabase() {
        db.drop();
    }

    @BeforeEach
    void runs() {
        db.resetSource();
        SourceFixture fixture = new SourceFixture(db);
        fixture.runs(30, "ok", Instant.parse("2026-05-29T00:00:00Z"), 5_000, 2);
        fixture.runs(4, "ok", Instant.parse("2026-06-02T00:00:00Z"), 60, 2); // after the cutoff
        cli = new ArchiverCommands(db, root);
    }

    private Outcome archive(int index, int count) {
        return cli.run(
                "archive",
                "--cutoff=" + CUTOFF,
                "--archiver.batch-size=10",
                "--archiver.shard.index=" + index,
                "--archiver.shard.count=" + count);
    }

    private long metadataRows() {
        return db.count("SELECT count(*) FROM archiver.batch_job_execution");
    }

    @Test
    void aShardIndexOutsideZeroToCountExitsTwoWithOneLineAndRecordsNothing() {
        // when: index = count, and a negative index
        Outcome equal = archive(4, 4);
        Outcome negative = archive(-1, 4);

        // then: exit 2, one line naming the setting; nothing recorded, nothing deleted
        assertThat(equal.exitCode()).as(equal.stdout() + equal.stderr()).isEqualTo(2);
        assertThat(equal.stderr().strip().lines()).hasSize(1);
        assertThat(equal.stderr())
                .startsWith("pipeline-archiver: ")
                .contains("archiver.shard")
                .contains("index must be below count");
        assertThat(negative.exitCode()).as(negative.stderr()).isEqualTo(2);
        assertThat(negative.stderr().strip().lines()).hasSize(1);
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(34);
    }

    @Test
    void aNewShardCountIsRefusedWhileTheCutoffsOldLayoutIsUnfinishedAndAcceptedOnceItIsDone() throws Exception {
        // given: the cutoff launched with 2 shards; shard 1's launch failed in its purge
        RunSnapshot eligible = RunSnapshot.of(db, "IN (" + ELIGIBLE + ")");
        RunSnapshot others = RunSnapshot.of(db, "NOT IN (" + ELIGIBLE + ")");
        long odd = db.count("SELECT max(id) FROM (" + ELIGIBLE + ") e WHERE id % 2 = 1");
        db.failDeletingRun(odd);
        assertThat(archive(0, 2).exitCode()).isZero();
        Outcome failed = archive(1, 2);
        assertThat(failed.exitCode()).as(failed.stderr()).isEqualTo(1);
        long failedId =
                db.count("SELECT max(job_execution_id) FROM archiver.batch_job_execution WHERE status = 'FAILED'");
        long executions = metadataRows();

        // when: the same cutoff is launched with 3 shards (and with one)
        Outcome threeShards = archive(0, 3);
        Outcome oneShard = cli.run("archive", "--cutoff=" + CUTOFF);

        // then: both refused with one line that says how to finish the old layout; nothing recorded or deleted
        for (Outcome refused : List.of(threeShards, oneShard)) {
            assertThat(refused.exitCode())
                    .as(refused.stdout() + refused.stderr())
                    .isEqualTo(2);
            assertThat(refused.stderr().strip().lines()).hasSize(1);
            assertThat(refused.stderr())
                    .startsWith("pipeline-archiver: The cutoff " + CUTOFF + " was launched with 2 shard(s)")
                    .contains("execution " + failedId + " of shard 1/2")
                    .contains("Finish the old layout first")
                    .contains("archiver.shard.count=2");
        }
        assertThat(threeShards.stderr()).contains("this launch is shard 0/3");
        assertThat(metadataRows()).isEqualTo(executions);
        assertThat(db.count("SELECT count(*) FROM pipeline_runs WHERE id = " + odd))
                .isOne();

        // when: the old layout is finished (cause fixed, shard 1/2 relaunched), then 3 shards launch the cutoff
        db.stopFailingDeletes();
        Outcome finished = archive(1, 2);
        Outcome later = archive(2, 3);

        // then: both complete, and the archive holds every eligible row once
        assertThat(finished.exitCode()).as(finished.stderr()).isZero();
        assertThat(later.exitCode()).as(later.stderr()).isZero();
        RunSnapshot.assertArchivedExactlyOnce(db, new DuckDbArchive(root), eligible, others);
    }

    @Test
    void executionsAndShowNameTheShard() {
        // given: shard 1 of 4 and a single-shard launch
        assertThat(archive(1, 4).exitCode()).isZero();
        long sharded = db.count("SELECT max(job_execution_id) FROM archiver.batch_job_execution");
        assertThat(cli.run("archive", "--cutoff=2026-06-05T00:00:00Z").exitCode())
                .isZero();

        // when
        Outcome executions = cli.run("executions");
        Outcome show = cli.run("show", Long.toString(sharded));

        // then: the listing has a SHARD column: 1/4, and 0/1 for the launch with one shard
        assertThat(executions.exitCode()).as(executions.stderr()).isZero();
        List<String> lines = executions.stdout().lines().toList();
        assertThat(lines.get(0)).containsPattern("CUTOFF\\s+SHARD\\s+STATUS");
        assertThat(lines.get(1)).containsPattern("2026-06-05T00:00:00Z\\s+0/1\\s+COMPLETED");
        assertThat(lines.get(2)).containsPattern("\\s" + sharded + "\\s+\\d+\\s+" + CUTOFF + "\\s+1/4\\s+COMPLETED");
        assertThat(show.exitCode()).as(show.stderr()).isZero();
        assertThat(show.stdout()).contains("  shard:      1/4");
    }
}
