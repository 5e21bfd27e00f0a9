package dev.pipelinearchiver.verify;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.ledger.BatchState;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.parquet.WrittenFile;
import dev.pipelinearchiver.verify.Problem.Kind;
import java.io.IOException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Checks the archive against the ledger: every file recorded for a written or purged batch is re-read
 * (present, footer row count, size and SHA-256 as recorded), and every Parquet file in the archive's
 * datasets that the ledger does not know is reported. Reads only; changes nothing.
 *
 * <p>The datasets scanned for unknown files are the tables the ledger has files of, plus the runs table
 * (so an archive whose ledger was lost still shows its files as unknown).
 */
@Component
public class ArchiveVerifier {

    /** The batch id in a file name written by the export ({@code part-s000-b0000000042.parquet}). */
    private static final Pattern BATCH_FILE = Pattern.compile("-b(\\d+)\\.parquet$");

    private final JdbcTemplate jdbc;
    private final ParquetArchive archive;
    private final ArchiverProperties properties;

    ArchiveVerifier(JdbcTemplate jdbc, ParquetArchive archive, ArchiverProperties properties) {
        this.jdbc = jdbc;
        this.archive = archive;
        this.properties = properties;
    }

    private record LedgerFile(
            long batchId,
            String table,
            String path,
            long rows,
            long bytes,
            String sha256,
            LocalDate dt,
            boolean restorePending) {

        String where() {
            return table + " dt=" + dt + " batch " + batchId;
        }
    }

    /**
     * Verifies the files of the given partitions (and table, when not null), handing each problem to
     * {@code problems} as it is found.
     */
    public VerifyReport verify(DtRange range, String table, Consumer<Problem> problems) throws IOException {
        Map<Kind, Long> counts = VerifyReport.noProblems();
        Consumer<Problem> counted = problem -> {
            counts.merge(problem.kind(), 1L, Long::sum);
            problems.accept(problem);
        };
        archive.storage().checkReadable();
        List<LedgerFile> files = jdbc.query(
                VerifySql.FILES,
                (rs, i) -> new LedgerFile(
                        rs.getLong(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getLong(4),
                        rs.getLong(5),
                        rs.getString(6),
                        rs.getObject(7, LocalDate.class),
                        rs.getBoolean(8)),
                range.from(),
                range.to(),
                table,
                table);
        long rows = 0;
        for (LedgerFile file : files) {
            rows += check(file, counted);
        }
        findUnknownFiles(range, table, counted);
        return new VerifyReport(files.size(), rows, counts);
    }

    /** Compares one recorded file with what is in the archive; returns the rows it holds. */
    private long check(LedgerFile file, Consumer<Problem> problems) {
        String hint = file.restorePending()
                ? " (a restore of runs of this batch did not finish: rerun restore to finish it)"
                : "";
        String path = file.path();
        if (!archive.storage().root().contains(path)) {
            problems.accept(new Problem(
                    Kind.OTHER_ROOT,
                    file.path(),
                    file.where() + ": recorded under another archive root than " + archive.root()
                            + " (verify with that root as archiver.output-root)"));
            return 0;
        }
        WrittenFile actual;
        try {
            if (!archive.exists(path)) {
                problems.accept(new Problem(
                        Kind.MISSING,
                        file.path(),
                        file.where() + ": in the ledger (" + file.rows() + " rows), not in the archive"));
                return 0;
            }
            actual = archive.describe(path);
        } catch (IOException | RuntimeException e) {
            problems.accept(new Problem(
                    Kind.UNREADABLE, file.path(), file.where() + ": cannot be read as Parquet: " + oneLine(e)));
            return 0;
        }
        if (!actual.sha256().equals(file.sha256()) || actual.bytes() != file.bytes()) {
            problems.accept(new Problem(
                    Kind.CHANGED,
                    file.path(),
                    String.format(
                            "%s: SHA-256 %s (%,d bytes, %,d rows) in the archive, %s (%,d bytes, %,d rows) in the ledger%s",
                            file.where(),
                            abbreviate(actual.sha256()),
                            actual.bytes(),
                            actual.rows(),
                            abbreviate(file.sha256()),
                            file.bytes(),
                            file.rows(),
                            hint)));
        } else if (actual.rows() != file.rows()) {
            problems.accept(new Problem(
                    Kind.ROWS,
                    file.path(),
                    file.where() + ": " + actual.rows() + " rows in the footer, " + file.rows() + " in the ledger"
                            + hint));
        }
        return actual.rows();
    }

    private void findUnknownFiles(DtRange range, String table, Consumer<Problem> problems) throws IOException {
        Set<String> known = new HashSet<>();
        jdbc.query(VerifySql.KNOWN_PATHS, rs -> {
            known.add(archive.qualified(rs.getString(1)));
        });
        Set<String> datasets = new TreeSet<>();
        if (table != null) {
            datasets.add(table);
        } else {
            datasets.addAll(jdbc.queryForList(VerifySql.LEDGER_TABLES, String.class));
            datasets.add(properties.source().runsTable());
        }
        for (String dataset : datasets) {
            for (String file : archive.datasetFiles(dataset)) {
                if (inRange(file, range) && !known.contains(archive.qualified(file))) {
                    problems.accept(new Problem(
                            Kind.UNKNOWN,
                            archive.qualified(file),
                            dataset + ": not in the ledger" + unknownHint(file)));
                }
            }
        }
    }

    /** Files outside a {@code dt=} partition belong to no range but "all". */
    private static boolean inRange(String file, DtRange range) {
        if (range.isAll()) {
            return true;
        }
        String[] parts = file.split("/");
        String partition = parts.length < 2 ? "" : parts[parts.length - 2];
        if (!partition.startsWith("dt=")) {
            return false;
        }
        try {
            return range.contains(LocalDate.parse(partition.substring(3)));
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /** An export that has not finished leaves real files of a batch the ledger has not recorded yet. */
    private String unknownHint(String file) {
        Matcher matcher = BATCH_FILE.matcher(file.substring(file.lastIndexOf('/') + 1));
        if (!matcher.find()) {
            return "";
        }
        long batchId = Long.parseLong(matcher.group(1));
        List<String> state = jdbc.queryForList(VerifySql.BATCH_STATE, String.class, batchId);
        if (state.equals(List.of(BatchState.PLANNED.value()))) {
            return " (batch " + batchId
                    + " is PLANNED: its export did not finish; the next archive launch rewrites and records it)";
        }
        return "";
    }

    private static String abbreviate(String sha256) {
        return sha256.length() > 16 ? sha256.substring(0, 16) + "…" : sha256;
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
