package dev.pipelinearchiver.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A selective filter on run_id reads fewer row groups than the file has: the footer's min/max statistics of
 * run_id rule the others out, and Spark's scan (filter pushed down to Parquet) returns only the rows of the row
 * groups that may hold the run (the rows of the others are never read).
 */
class PruningIT {

    @Test
    void sparkReadsOnlyTheRowGroupsWhoseRunIdStatisticsMayHoldTheRun() throws Exception {
        // given: the day's pipeline_steps file (400 runs of ~6 KB of steps each, 1 MiB row groups)
        ArchivedDatabase archive = ArchivedDatabase.get();
        List<Path> files =
                ParquetJavaRows.files(archive.dataset("pipeline_steps").resolve("dt=2026-05-20"));
        assertThat(files).hasSize(1);
        Path file = files.get(0);
        List<Footers.RowGroup> groups = Footers.rowGroups(file, "run_id");
        assertThat(groups).as("row groups").hasSizeGreaterThanOrEqualTo(3);
        assertThat(groups)
                .as("run_id statistics kept")
                .allSatisfy(g -> assertThat(g.min()).isNotNull());
        long fileRows = groups.stream().mapToLong(Footers.RowGroup::rows).sum();
        // a run in the middle of the file
        int run = (groups.get(groups.size() / 2).min()
                        + groups.get(groups.size() / 2).max())
                / 2;
        long mayHoldRows = groups.stream()
                .filter(g -> g.mayHold(run))
                .mapToLong(Footers.RowGroup::rows)
                .sum();
        assertThat(groups.stream().filter(g -> g.mayHold(run))).hasSizeLessThan(groups.size());

        // when: an analyst's query, Spark's default settings
        SparkSession spark = Engines.spark();
        Dataset<Row> steps =
                spark.read().parquet(file.toString()).where("run_id = " + run).select("id", "run_id", "seq");
        List<Row> rows = steps.collectAsList();

        // then: the run's steps, from a scan that returned only the rows of the row groups that may hold it
        assertThat(rows).isNotEmpty().allSatisfy(r -> assertThat(r.getInt(1)).isEqualTo(run));
        FileSourceScanExec scan = scan(steps.queryExecution().executedPlan());
        assertThat(scan.metadata().get("PushedFilters").get()).contains("EqualTo(run_id," + run + ")");
        long scanned = scan.metrics().apply("numOutputRows").value();
        // (at most those row groups' rows: the column index may rule out pages of them too)
        assertThat(scanned).as("rows the scan read").isBetween((long) rows.size(), mayHoldRows);
        assertThat(mayHoldRows).isLessThan(fileRows);
        System.out.printf(
                "pruning: %d row groups, %d may hold run %d; Spark's scan read %d of %d rows%n",
                groups.size(), groups.stream().filter(g -> g.mayHold(run)).count(), run, scanned, fileRows);
    }

    private static FileSourceScanExec scan(SparkPlan plan) {
        for (SparkPlan node : CollectionConverters.asJava(plan.collectLeaves())) {
            if (node instanceof FileSourceScanExec scan) {
                return scan;
            }
        }
        throw new AssertionError("no file scan in " + plan);
    }
}
