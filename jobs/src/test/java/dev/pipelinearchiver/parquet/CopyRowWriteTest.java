package dev.pipelinearchiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.CopyRows;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.source.SourceTable;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import dev.pipelinearchiver.support.Rows;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericData;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The export writes rows straight from the bytes of a binary COPY ({@link CopyRows}, {@link RowWriteSupport});
 * analysts, restore and verify read the files as parquet-avro writes them. This holds the export to an
 * independent oracle: the same rows read by the driver in its text format, turned into Avro records
 * (java.time and BigDecimal values, as the driver decodes them) and written by parquet-avro, must give
 * the same file, byte for byte, over every column type the mapping knows, NULLs and odd text included.
 */
class CopyRowWriteTest extends ArchiveTestSupport {

    @Autowired
    SourceCatalog catalog;

    @Autowired
    ParquetArchive parquet;

    @Test
    void writesTheSameFileAsParquetAvroFromTheDriversValues() throws Exception {
        // given: runs, steps with odd payloads, calls, and a cascading table with every column type
        DB.execute(ColumnCodecTest.ALL_TYPES_TABLE);
        fixture.runs(4, "ok", Instant.parse("2026-05-10T00:00:00Z"), 3_600, 3);
        DB.execute("""
                UPDATE pipeline_steps SET input_json = 'not json {', output_json = NULL, error = 'Ünïcödé ✓ 🚀 ' || repeat('x', 5000)
                WHERE seq = 2;
                """);
        DB.execute(ColumnCodecTest.ALL_TYPES_ROWS);
        ArchiveSources sources = catalog.inspect();
        assertThat(sources.tableNames()).contains("pipeline_steps", "llm_calls", "step_artifacts");
        long[] runIds = postgres("SELECT id FROM pipeline_runs").stream()
                .mapToLong(row -> ((Number) row.get(0)).longValue())
                .toArray();

        for (SourceTable table : sources.tables()) {
            // when: the rows written from the binary COPY, and as Avro records of the driver's values
            AvroMapping mapping = AvroMapping.of(table);
            String fromCopy = parquet.file("copy", LocalDate.EPOCH, table.name() + ".parquet");
            String fromDriver = parquet.file("driver", LocalDate.EPOCH, table.name() + ".parquet");
            long rows;
            List<List<Object>> copiedValues = new ArrayList<>();
            List<List<Object>> driverValues = new ArrayList<>();
            try (Connection con = DB.connect()) {
                con.setAutoCommit(false);
                String copy = sources.copyByRunSql(table, AvroMapping::selectsTextOutput, runIds);
                try (var staged = parquet.stage(fromCopy, mapping);
                        CopyRows copied =
                                CopyRows.start(con, copy, table.columns().size() + 2)) {
                    while (copied.next()) {
                        staged.write(copied);
                        List<Object> values = new ArrayList<>();
                        for (int i = 0; i < table.columns().size(); i++) {
                            values.add(mapping.value(copied, i));
                        }
                        copiedValues.add(values);
                    }
                    rows = staged.commit().rows();
                }
                // the same select, every column as the driver reads it (no column as its text output)
                try (var staged = parquet.stage(fromDriver, mapping.schema());
                        Statement st = con.createStatement()) {
                    st.setFetchSize(3); // several round trips of the cursor
                    try (ResultSet rs = st.executeQuery(sources.selectByRunSql(table, column -> false, runIds))) {
                        while (rs.next()) {
                            GenericData.Record record = new GenericData.Record(mapping.schema());
                            List<Object> values = new ArrayList<>();
                            for (int i = 0; i < table.columns().size(); i++) {
                                Object value = ColumnCodecTest.driverValue(
                                        table.columns().get(i), rs, i + 1);
                                record.put(i, value);
                                values.add(
                                        value == null ? null : value instanceof String text ? new Utf8(text) : value);
                            }
                            driverValues.add(values);
                            staged.write(record);
                        }
                    }
                    staged.commit();
                }
            }

            // then: the same values, and byte for byte the same file
            assertThat(rows).as(table.name()).isPositive();
            assertThat(copiedValues).as(table.name()).isEqualTo(driverValues);
            assertThat(Files.readAllBytes(Paths.get(fromCopy.substring("file:".length()))))
                    .as(table.name())
                    .isEqualTo(Files.readAllBytes(Paths.get(fromDriver.substring("file:".length()))));
        }
    }

    @Test
    void valuesNoArchiveTypeHoldsFailTheFileLoudly() throws Exception {
        // given: values that have no Avro counterpart (an infinite timestamp, a numeric NaN in a decimal column)
        DB.execute("""
                CREATE TABLE odd_values (id serial PRIMARY KEY, run_id integer NOT NULL REFERENCES pipeline_runs (id) ON DELETE CASCADE,
                    at timestamptz, on_day date, amount numeric(10,2));
                """);
        fixture.runs(3, "ok", Instant.parse("2026-05-10T00:00:00Z"), 3_600, 1);
        DB.execute("""
                INSERT INTO odd_values (run_id, at, on_day, amount)
                SELECT id, CASE WHEN id % 3 = 0 THEN 'infinity' END::timestamptz, CASE WHEN id % 3 = 1 THEN '-infinity' END::date,
                       CASE WHEN id % 3 = 2 THEN 'NaN' END::numeric FROM pipeline_runs
                """);
        SourceTable table = catalog.inspect().tables().stream()
                .filter(t -> t.name().equals("odd_values"))
                .findFirst()
                .orElseThrow();
        AvroMapping mapping = AvroMapping.of(table);
        for (String problem : List.of("timestamp infinity", "date -infinity", "numeric NaN")) {
            long[] runIds = postgres("SELECT run_id FROM odd_values WHERE "
                            + switch (problem) {
                                case "timestamp infinity" -> "at IS NOT NULL";
                                case "date -infinity" -> "on_day IS NOT NULL";
                                default -> "amount IS NOT NULL";
                            })
                    .stream()
                    .mapToLong(row -> ((Number) row.get(0)).longValue())
                    .toArray();
            try (Connection con = DB.connect()) {
                con.setAutoCommit(false);
                String copy = catalog.inspect().copyByRunSql(table, AvroMapping::selectsTextOutput, runIds);
                // when: such a row is written
                try (var staged = parquet.stage(parquet.file("odd", LocalDate.EPOCH, "odd.parquet"), mapping);
                        CopyRows copied =
                                CopyRows.start(con, copy, table.columns().size() + 2)) {
                    assertThat(copied.next()).isTrue();
                    // then: it fails, naming the problem; the connection stays usable (the COPY is cancelled on close)
                    assertThatThrownBy(() -> staged.write(copied))
                            .as(problem)
                            .hasRootCauseInstanceOf(SQLException.class)
                            .rootCause()
                            .hasMessageContaining(problem.startsWith("numeric") ? "NaN" : "infinity");
                }
                con.rollback();
                assertThat(Rows.query(con, "SELECT 1")).containsExactly(List.of(1L));
            }
        }
    }
}
