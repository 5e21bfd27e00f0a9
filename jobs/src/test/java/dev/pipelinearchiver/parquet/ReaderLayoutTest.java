package dev.pipelinearchiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.CopyRows;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.source.SourceTable;
import dev.pipelinearchiver.storage.StorageConfiguration;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.filter2.predicate.FilterApi;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The physical layout chosen for readers (contract version 2, docs/decisions/0018): decimals as
 * FIXED_LEN_BYTE_ARRAY, min/max statistics and a column index on every column whose order engines use and
 * none on payloads, so a selective filter on {@code run_id} skips row groups and pages. Read with
 * parquet-java's footer and filter, and with DuckDB.
 */
class ReaderLayoutTest extends ArchiveTestSupport {

    @Autowired
    SourceCatalog catalog;

    @Autowired
    ParquetArchive parquet;

    @TempDir
    Path smallGroups;

    @Test
    void orderedColumnsHaveStatisticsAndAColumnIndexAndPayloadsHaveNeither() throws Exception {
        // given: runs, steps, calls and the all-types table, archived from the binary COPY
        DB.execute(ColumnCodecTest.ALL_TYPES_TABLE);
        fixture.runs(20, "ok", Instant.parse("2026-05-10T00:00:00Z"), 3_600, 3);
        DB.execute(ColumnCodecTest.ALL_TYPES_ROWS);
        ArchiveSources sources = catalog.inspect();
        long[] runIds = postgres("SELECT id FROM pipeline_runs").stream()
                .mapToLong(row -> ((Number) row.get(0)).longValue())
                .toArray();

        for (SourceTable table : sources.tables()) {
            // when
            AvroMapping mapping = AvroMapping.of(table);
            String file = parquet.file("layout", LocalDate.EPOCH, table.name() + ".parquet");
            try (Connection con = DB.connect()) {
                con.setAutoCommit(false);
                String copy = sources.copyByRunSql(table, AvroMapping::selectsTextOutput, runIds);
                try (var staged = parquet.stage(file, mapping);
                        CopyRows rows =
                                CopyRows.start(con, copy, table.columns().size() + 2)) {
                    while (rows.next()) {
                        staged.write(rows);
                    }
                    staged.commit();
                }
            }

            // then: per column, statistics and a column index exactly where its codec orders values
            try (ParquetFileReader reader = open(fileOf(file))) {
                BlockMetaData group = reader.getFooter().getBlocks().get(0);
                for (ColumnChunkMetaData chunk : group.getColumns()) {
                    String field = chunk.getPath().toArray()[0];
                    ColumnCodec codec = ColumnCodec.archived(mapping.schema().getField(field));
                    boolean ordered = codec.encoding() != ColumnEncoding.PAYLOAD;
                    Statistics<?> statistics = chunk.getStatistics();
                    String column = table.name() + "." + field + " (" + codec + ")";
                    boolean allNull = statistics.getNumNulls() == group.getRowCount();
                    assertThat(statistics.hasNonNullValue() || (ordered && allNull))
                            .as(column + " has min/max")
                            .isEqualTo(ordered);
                    assertThat(reader.readColumnIndex(chunk) != null)
                            .as(column + " has a column index")
                            .isEqualTo(ordered);
                    if (codec == ColumnCodec.DECIMAL) {
                        PrimitiveType type = chunk.getPrimitiveType();
                        assertThat(type.getPrimitiveTypeName())
                                .as(column)
                                .isEqualTo(PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY);
                        assertThat(type.getLogicalTypeAnnotation())
                                .isInstanceOf(LogicalTypeAnnotation.DecimalLogicalTypeAnnotation.class);
                    }
                }
            }
        }
        // and the all-types table's decimals are statistics a reader can use: DuckDB's min/max equal PostgreSQL's
        Path artifacts = fileOf(parquet.file("layout", LocalDate.EPOCH, "step_artifacts.parquet"));
        assertThat(archive.query("SELECT stats_min_value, stats_max_value FROM parquet_metadata('" + artifacts
                        + "') WHERE path_in_schema = 'price'"))
                .containsExactly(List.of("-1234567.891", "0.001"));
    }

    @Test
    void aSelectiveRunIdFilterSkipsRowGroupsAndPages() throws Exception {
        // given: 200,000 steps of 2,000 runs in run order, as an export writes them, in 1 MiB row groups
        ArchiverProperties.Parquet settings = new ArchiverProperties.Parquet("ZSTD", 1, 1 << 20, 1 << 13, 22, 18);
        ArchiverProperties properties = new ArchiverProperties(
                smallGroups.toString(), null, 5000, 500, 2, 2, settings, null, null, null, null, null);
        ParquetArchive small = new ParquetArchive(StorageConfiguration.open(properties), properties);
        Schema schema = AvroMapping.of(catalog.inspect().tables().stream()
                        .filter(table -> table.name().equals("pipeline_steps"))
                        .findFirst()
                        .orElseThrow())
                .schema();
        String file = small.file("pipeline_steps", LocalDate.EPOCH, "part.parquet");
        Random random = new Random(11);
        try (var staged = small.stage(file, schema)) {
            for (int i = 0; i < 200_000; i++) {
                GenericData.Record step = new GenericData.Record(schema);
                step.put("id", i);
                step.put("run_id", 1_000 + i / 100);
                step.put("seq", i % 100);
                step.put("step_name", "agent_" + i % 4);
                step.put("status", "ok");
                step.put(
                        "input_json",
                        "{\"prompt\": \"" + Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong())
                                + "\"}");
                step.put("duration_ms", random.nextInt(5_000));
                staged.write(step);
            }
            staged.commit();
        }
        Path local = smallGroups.resolve("pipeline_steps/dt=1970-01-01/part.parquet");

        // when: parquet-java reads with run_id = 1300, DuckDB's view of the same footer
        Map<String, Long> figures = new HashMap<>();
        try (ParquetFileReader all = open(local);
                ParquetFileReader filtered = ParquetFileReader.open(
                        HadoopInputFile.fromPath(
                                new org.apache.hadoop.fs.Path(local.toUri()), new Configuration(false)),
                        HadoopReadOptions.builder(new Configuration(false))
                                .withRecordFilter(FilterCompat.get(FilterApi.eq(FilterApi.intColumn("run_id"), 1_300)))
                                .build())) {
            figures.put("row groups", (long) all.getRowGroups().size());
            figures.put("row groups read", (long) filtered.getRowGroups().size());
            figures.put(
                    "rows in them",
                    filtered.getRowGroups().stream()
                            .mapToLong(BlockMetaData::getRowCount)
                            .sum());
            figures.put("rows read after the column index", filtered.getFilteredRecordCount());
        }
        List<List<Object>> duckdb = archive.query("SELECT count(*) FILTER (WHERE stats_min_value::int <= 1300"
                + " AND stats_max_value::int >= 1300), count(*) FROM parquet_metadata('" + local
                + "') WHERE path_in_schema = 'run_id'");
        List<List<Object>> rows = archive.query(
                "SELECT count(*), min(seq), max(seq) FROM read_parquet('" + local + "') WHERE run_id = 1300");

        // then: one row group of several is read, and within it only the pages that may hold the run
        System.out.println("run_id = 1300 over 200,000 steps: " + figures);
        assertThat(figures.get("row groups")).isGreaterThan(2);
        assertThat(figures.get("row groups read")).isEqualTo(1);
        assertThat(figures.get("rows read after the column index"))
                .isGreaterThanOrEqualTo(100)
                .isLessThan(figures.get("rows in them"));
        assertThat(duckdb).containsExactly(List.of(1L, figures.get("row groups")));
        assertThat(rows).containsExactly(List.of(100L, 0L, 99L));
    }

    private static ParquetFileReader open(Path file) throws Exception {
        return ParquetFileReader.open(
                HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()), new Configuration(false)),
                HadoopReadOptions.builder(new Configuration(false)).build());
    }
}
