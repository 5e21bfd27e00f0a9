package dev.pipelinearchiver.support;

import dev.pipelinearchiver.archive.ArchiveLauncher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the job tests: the application context against one throw-away PostgreSQL database and one
 * archive root for the whole test run, both emptied before each test. The root is the local directory
 * {@link #ROOT}, or, for a test class annotated {@link OnS3Root}, the bucket {@code s3://archive} of a
 * real S3 server whose objects are the files under that same directory: the tests read the archive
 * back from {@link #ROOT} whichever root the job wrote to.
 */
@SpringBootTest(properties = "spring.batch.job.enabled=false")
public abstract class ArchiveTestSupport {

    protected static final TestDatabase DB = TestDatabase.create("archiver_test");
    /** s3proxy's buckets, each a directory (support/S3Server). */
    static final Path BUCKETS = tempDirectory();

    /** The archive's files: the local root, and the objects of the bucket {@code archive} on an S3 root. */
    protected static final Path ROOT = directory(BUCKETS.resolve(OnS3Root.BUCKET));

    /** The cutoff most tests use: runs finished before it are eligible. */
    protected static final Instant CUTOFF = Instant.parse("2026-06-01T00:00:00Z");

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(DB::drop));
    }

    @Autowired
    protected ArchiveLauncher launcher;

    protected final DuckDbArchive archive = new DuckDbArchive(ROOT);
    protected final SourceFixture fixture = new SourceFixture(DB);

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", DB::url);
        registry.add("spring.datasource.username", TestDatabase::user);
        registry.add("spring.datasource.password", TestDatabase::password);
        registry.add("archiver.output-root", () -> "${test.archive-root:" + ROOT + "}");
        registry.add("archiver.s3.endpoint", () -> "${test.s3-endpoint:}");
        // Spring keeps every test configuration's context, and with it its connection pool, for the whole run:
        // pools that kept 10 idle connections each came within a few connections of the server's 100
        registry.add("spring.datasource.hikari.minimum-idle", () -> "1");
        registry.add("spring.datasource.hikari.idle-timeout", () -> "10000");
    }

    @BeforeEach
    protected void emptyDatabaseAndArchive() throws IOException {
        DB.resetSource();
        Files.createDirectories(ROOT);
        try (Stream<Path> files = Files.walk(ROOT)) {
            files.sorted(Comparator.reverseOrder())
                    .filter(p -> !p.equals(ROOT))
                    .forEach(p -> p.toFile().delete());
        }
    }

    /**
     * The local file of a location the ledger records: a {@code file:} path, or an object of the bucket
     * {@code s3://archive}, which is a file under {@link #ROOT}.
     */
    protected static Path fileOf(String location) {
        String bucket = "s3://" + OnS3Root.BUCKET + "/";
        if (location.startsWith(bucket)) {
            return ROOT.resolve(location.substring(bucket.length()));
        }
        return Path.of(location.substring("file:".length()));
    }

    /** Whether this class archives to the local directory (not {@link OnS3Root}): file modes exist only there. */
    protected boolean onLocalRoot() {
        return !getClass().isAnnotationPresent(OnS3Root.class);
    }

    protected List<List<Object>> postgres(String sql) throws SQLException {
        try (Connection con = DB.connect()) {
            return Rows.query(con, sql);
        }
    }

    /**
     * The ledger's runs with the stamps their batch recorded at export (schema/migration V6): a table of
     * batch_id, run_id, state, row_counts (int[], in the batch's table order) and fingerprint.
     */
    protected static final String RUN_STAMPS = """
            (SELECT r.batch_id, u.run_id, r.state, s.row_counts[(u.i - 1) * s.table_count + 1 : u.i * s.table_count] AS row_counts,
                    s.fingerprints[u.i] AS fingerprint
             FROM archiver.batch_stamps s CROSS JOIN LATERAL unnest(s.run_ids) WITH ORDINALITY AS u(run_id, i)
             JOIN archiver.batch_run r ON r.batch_id = s.batch_id AND r.run_id = u.run_id)""";

    /** SQL selecting the ids of the runs eligible at {@link #CUTOFF}. */
    protected static String eligibleRunIds(Instant cutoff) {
        return "SELECT id FROM pipeline_runs WHERE status IN ('ok','error','cancelled') AND finished_at < timestamptz '"
                + cutoff + "'";
    }

    private static Path directory(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path tempDirectory() {
        try {
            Path root = Files.createTempDirectory("pipeline-archive-test");
            root.toFile().deleteOnExit();
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
