package dev.pipelinearchiver.restore;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.archive.ArchiveLock;
import dev.pipelinearchiver.parquet.LayoutUpgrade;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.parquet.WrittenFile;
import dev.pipelinearchiver.source.SourceSchemaException;
import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetReader;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Rewrites the archived files of an older layout ({@link LayoutUpgrade}) into today's, one file at a time,
 * never leaving the ledger pointing at anything but a complete file that holds the batch's rows:
 *
 * <ol>
 *   <li>the new file is written beside the old one under a hidden name ({@code .layout-v2.<name>}, which
 *       readers skip), read back and compared with the old one (rows, and a checksum of every value as
 *       restore binds it); then the ledger records it, with its SHA-256, instead of the old one;
 *   <li>it is copied over the old file's name (atomically: a file appears complete or not at all), the ledger
 *       records that name again, and the hidden file is deleted.
 * </ol>
 *
 * Killed anywhere, the next run finishes: a ledger path that is a hidden name resumes at step 2, a file of
 * the old layout starts again at step 1, a file already of today's layout is left alone (a second run
 * changes nothing). Each ledger change holds the batch's restore lock and checks the record is unchanged.
 * Each shard's files are rewritten holding that shard's archive lock ({@link ArchiveLock}), the one a launch
 * holds: a rewrite never runs beside a launch of that shard or another rewrite.
 */
@Component
public class LayoutRewriter {

    static final String HIDDEN = ".layout-v2.";

    /** What a run did: files rewritten, files whose interrupted rewrite it finished, files already current. */
    public record Report(int rewritten, int finished, int current) {
        public String summary() {
            return "rewrite-layout: " + rewritten + " files rewritten into layout version 2, " + finished
                    + " interrupted rewrites finished, " + current + " files already current";
        }

        Report plus(Report other) {
            return new Report(rewritten + other.rewritten, finished + other.finished, current + other.current);
        }
    }

    /** A shard's archive lock was held by another process: that shard and the next ones were left as they were. */
    public static final class LockedException extends IllegalStateException {
        private final transient Report done;

        LockedException(int shard, Report done) {
            super(
                    "another process holds the archive lock of shard " + shard + " on this database (an archive launch"
                            + " or another rewrite-layout); its files were not rewritten: run rewrite-layout again once it ends.");
            this.done = done;
        }

        /** What was done before, on the shards whose lock was free. */
        public Report done() {
            return done;
        }
    }

    private record LedgerFile(long batchId, String table, String path, long rows, String sha256) {}

    private final JdbcTemplate jdbc;
    private final DataSource dataSource;
    private final ParquetArchive archive;
    private final RestoreLedger ledger;
    private final TransactionTemplate transactions;
    private final List<String> arraysAsText;

    LayoutRewriter(
            JdbcTemplate jdbc,
            DataSource dataSource,
            ParquetArchive archive,
            RestoreLedger ledger,
            PlatformTransactionManager transactions,
            ArchiverProperties properties) {
        this.arraysAsText = properties.source().arraysAsText();
        this.jdbc = jdbc;
        this.dataSource = dataSource;
        this.archive = archive;
        this.ledger = ledger;
        this.transactions = new TransactionTemplate(transactions);
    }

    /**
     * Rewrites every file of a purged batch that is of an older layout; {@code lines} gets one per file changed.
     *
     * @throws LockedException if another process holds a shard's archive lock
     */
    public Report rewrite(Consumer<String> lines) throws IOException, SQLException {
        return rewrite(lines, true);
    }

    /** {@code publish = false} stops each rewrite after its first ledger change, as a kill there would (tests). */
    Report rewrite(Consumer<String> lines, boolean publish) throws IOException, SQLException {
        archive.checkWritable();
        Report done = new Report(0, 0, 0);
        for (int shard : jdbc.queryForList(LayoutSql.SHARDS, Integer.class)) {
            try (ArchiveLock lock = ArchiveLock.tryAcquire(dataSource, shard, () -> {})) {
                if (lock == null) {
                    throw new LockedException(shard, done);
                }
                done = done.plus(rewrite(shard, lock, lines, publish));
            }
        }
        return done;
    }

    private Report rewrite(int shard, ArchiveLock lock, Consumer<String> lines, boolean publish)
            throws IOException, SQLException {
        List<LedgerFile> files = jdbc.query(
                LayoutSql.FILES,
                (rs, i) ->
                        new LedgerFile(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5)),
                shard);
        int rewritten = 0;
        int finished = 0;
        int current = 0;
        for (LedgerFile file : files) {
            lock.ensureHeld(); // its connection lost and the lock taken by another process: stops here, loudly
            if (file.path().contains("/" + HIDDEN)) {
                publish(file);
                lines.accept(
                        "finished   " + visible(file.path()) + " (" + file.table() + " batch " + file.batchId() + ")");
                finished++;
            } else if (LayoutUpgrade.needed(archive.avroSchema(file.path()), keepText(file))) {
                LedgerFile staged = stage(file);
                if (publish) {
                    publish(staged);
                }
                lines.accept("rewritten  " + file.path() + " (" + file.table() + " batch " + file.batchId() + ")");
                rewritten++;
            } else {
                String hidden = hidden(file.path());
                if (archive.exists(hidden)) {
                    archive.storage().delete(hidden); // left by a run killed after its last ledger change
                }
                current++;
            }
        }
        return new Report(rewritten, finished, current);
    }

    /** Step 1: the new file under the hidden name, compared with the old one, then recorded instead of it. */
    private LedgerFile stage(LedgerFile file) throws IOException {
        String hidden = hidden(file.path());
        Set<String> keepText = keepText(file);
        LayoutUpgrade.Values before;
        try (ParquetReader<GenericRecord> reader = archive.reader(file.path())) {
            before = LayoutUpgrade.values(reader, keepText);
        } catch (LayoutUpgrade.UnfitTextArray unfit) {
            String column = file.table() + "." + unfit.column();
            throw new SourceSchemaException(file.path() + ": " + column + " holds an array that a Parquet LIST cannot"
                    + " hold (" + unfit.getMessage() + "), so this file was not rewritten and nothing was changed:"
                    + " list " + column + " in archiver.source.arrays-as-text to keep that column as text, then rerun"
                    + " rewrite-layout.");
        }
        Schema schema = LayoutUpgrade.schema(archive.avroSchema(file.path()), keepText);
        WrittenFile written;
        try (var staged = archive.stage(hidden, schema);
                ParquetReader<GenericRecord> reader = archive.reader(file.path())) {
            for (GenericRecord record; (record = reader.read()) != null; ) {
                staged.write(LayoutUpgrade.record(record, schema, keepText));
            }
            written = staged.commit();
        }
        LayoutUpgrade.Values after;
        try (ParquetReader<GenericRecord> reader = archive.reader(hidden)) {
            after = LayoutUpgrade.values(reader, keepText);
        }
        if (!after.equals(before) || before.rows() != file.rows()) {
            throw new IllegalStateException("The rewrite of " + file.path() + " holds " + after.rows() + " rows of"
                    + " values " + after.sha256() + ", the file " + before.rows() + " rows of values " + before.sha256()
                    + " and the ledger " + file.rows() + " rows: nothing was changed (the hidden file " + hidden
                    + " is rewritten by the next run)");
        }
        move(file, written);
        return new LedgerFile(file.batchId(), file.table(), hidden, written.rows(), written.sha256());
    }

    /** Step 2: the recorded hidden file copied over the visible name, recorded there, then deleted. */
    private void publish(LedgerFile file) throws IOException {
        String visible = visible(file.path());
        WrittenFile copy = archive.exists(visible) ? archive.describe(visible) : null;
        if (copy == null || !copy.sha256().equals(file.sha256())) {
            copy = LayoutUpgrade.copy(archive, file.path(), visible, file.rows());
        }
        if (!copy.sha256().equals(file.sha256())) {
            throw new IllegalStateException("The copy of " + file.path() + " at " + visible + " has SHA-256 "
                    + copy.sha256() + ", the ledger records " + file.sha256() + ": rerun rewrite-layout");
        }
        move(file, copy);
        archive.storage().delete(file.path());
    }

    private void move(LedgerFile from, WrittenFile to) {
        transactions.executeWithoutResult(status -> {
            ledger.lock(from.batchId());
            int moved = jdbc.update(
                    LayoutSql.MOVE_FILE,
                    to.path(),
                    to.rows(),
                    to.bytes(),
                    to.sha256(),
                    from.batchId(),
                    from.table(),
                    from.path(),
                    from.sha256());
            if (moved != 1) {
                throw new IllegalStateException("The ledger's record of " + from.path() + " changed while it was"
                        + " rewritten (a restore?): nothing was recorded; rerun rewrite-layout");
            }
        });
    }

    /** The columns of the file's table that archiver.source.arrays-as-text keeps as array text. */
    private Set<String> keepText(LedgerFile file) {
        return arraysAsText.stream()
                .filter(entry -> entry.startsWith(file.table() + "."))
                .map(entry -> entry.substring(file.table().length() + 1))
                .collect(Collectors.toSet());
    }

    private static String hidden(String path) {
        int slash = path.lastIndexOf('/');
        return path.substring(0, slash + 1) + HIDDEN + path.substring(slash + 1);
    }

    private static String visible(String path) {
        return path.replace("/" + HIDDEN, "/");
    }
}
