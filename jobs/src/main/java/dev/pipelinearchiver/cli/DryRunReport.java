package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.archive.DryRun;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Locale;

/** Prints {@code archive --dry-run}: per day, the runs and rows per table a launch would take, and their size. */
final class DryRunReport {

    private DryRunReport() {}

    static void print(DryRun.Report report, Instant cutoff, PrintWriter out) {
        out.println(
                "dry run: archiving runs finished before " + cutoff + " would take (nothing was written or deleted):");
        StringBuilder header = new StringBuilder(String.format("%-10s", "dt"));
        report.tables().forEach(t -> header.append(String.format(" %15s", t)));
        out.println(header.append(String.format(" %12s", "MB in PG")));
        for (DryRun.Day day : report.days()) {
            StringBuilder line = new StringBuilder(day.dt().toString());
            report.tables()
                    .forEach(t -> line.append(
                            String.format(Locale.ROOT, " %,15d", day.rows().getOrDefault(t, 0L))));
            out.println(line.append(String.format(Locale.ROOT, " %12.1f", day.bytes() / 1e6)));
        }
        StringBuilder total = new StringBuilder(String.format("%-10s", "total"));
        report.tables().forEach(t -> total.append(String.format(Locale.ROOT, " %,15d", report.total(t))));
        out.println(total.append(String.format(Locale.ROOT, " %12.1f", report.totalBytes() / 1e6)));
    }
}
