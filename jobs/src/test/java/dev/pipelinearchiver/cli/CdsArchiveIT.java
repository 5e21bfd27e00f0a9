package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiverProcess;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job launched as scripts/demo.sh, scripts/bench.sh and the image launch it: extracted by
 * scripts/exploded.sh, with the class-data-sharing archive made from the committed class list
 * (config/cds/classes.lst). Fails when the archive cannot be made or mapped, or when the list has gone
 * stale enough that the export's own classes are read from jars again (rerun scripts/cds-classlist.sh).
 */
class CdsArchiveIT {

    private static final Pattern LOADED = Pattern.compile("\\[class,load\\] (\\S+) source: (.+)$", Pattern.MULTILINE);

    private static TestDatabase db;

    @TempDir
    Path work;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("archiver_cds");
    }

    @AfterAll
    static void dropDatabase() {
        db.drop();
    }

    @Test
    void theExtractedJarArchivesWithItsClassesMappedFromTheSharedArchive() throws Exception {
        db.resetSource();
        new SourceFixture(db).runs(30, "ok", Instant.parse("2026-05-30T00:00:00Z"), 3_600, 3);
        List<String> launch = exploded();
        assertThat(launch).as("scripts/exploded.sh made no archive").anyMatch(arg -> arg.startsWith("-XX:SharedArchiveFile="));

        Path classLog = work.resolve("classes.log");
        List<String> options = new ArrayList<>(ArchiverProcess.jvmOptions());
        options.add("-Xshare:on"); // refuse to start rather than quietly run without the archive
        options.add("-Xlog:class+load=info:file=" + classLog);
        Outcome outcome = ArchiverProcess.start(options, launch, ArchiverProcess.environment(db, work.resolve("archive")), "archive",
                "--cutoff=2026-06-01T00:00:00Z").await(Duration.ofMinutes(3));
        assertThat(outcome.exitCode()).as(outcome.stderr() + outcome.stdout()).isZero();
        assertThat(outcome.stdout()).contains("COMPLETED");
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isZero();

        Matcher loaded = LOADED.matcher(Files.readString(classLog, StandardCharsets.UTF_8));
        long all = 0;
        long shared = 0;
        List<String> sharedNames = new ArrayList<>();
        while (loaded.find()) {
            all++;
            if (loaded.group(2).startsWith("shared objects file")) {
                shared++;
                sharedNames.add(loaded.group(1));
            }
        }
        // the start, the export and the purge: Spring Batch, our tasklets, Parquet's writer, the driver
        assertThat(sharedNames).contains("org.springframework.batch.core.job.AbstractJob", "dev.pipelinearchiver.archive.ExportBatchTasklet",
                "dev.pipelinearchiver.archive.PurgeTasklet", "org.apache.parquet.hadoop.ParquetWriter", "org.postgresql.jdbc.PgResultSet");
        // the rest are generated at run time (lambdas, proxies, CGLIB subclasses): ~85 % shared when the list is fresh
        assertThat(shared).as("%d of %d classes from the shared archive", shared, all).isGreaterThan(all * 3 / 4);
    }

    /** Runs scripts/exploded.sh on the packaged jar, as the scripts do, and returns its launch arguments. */
    private static List<String> exploded() throws Exception {
        Process process = new ProcessBuilder("bash", "../scripts/exploded.sh", ArchiverProcess.jar().toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).isZero();
        return out.lines().filter(line -> !line.isBlank()).toList();
    }
}
