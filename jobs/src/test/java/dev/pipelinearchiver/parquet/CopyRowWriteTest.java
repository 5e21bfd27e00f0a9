package dev.pipelinearchiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.CopyRows;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.source.SourceColumn;
import dev.pipelinearchiver.source.SourceTable;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import dev.pipelinearchiver.support.Rows;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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
        DB.execute("""
                CREATE TYPE mood AS ENUM ('calm', 'nervous', 'ünïcödé');
                CREATE DOMAIN short_text AS varchar(20);
                CREATE TABLE step_artifacts (
                    id bigserial PRIMARY KEY,
                    step_id integer NOT NULL REFERENCES pipeline_steps (id) ON DELETE CASCADE,
                    kind smallint, size_bytes bigint, score real, weight double precision,
                    price numeric(10,3), big numeric(38,10), ratio numeric, ok boolean, produced_on date,
                    produced_local timestamp, produced_at timestamptz, ref uuid, blob bytea, meta jsonb, doc json,
                    tags text[], feeling mood, took interval, code char(5), note text, label short_text, host inet,
                    tiny "char", owner name, summary xml);
                """);
        fixture.runs(4, "ok", Instant.parse("2026-05-10T00:00:00Z"), 3_600, 3);
        DB.execute("""
                UPDATE pipeline_steps SET input_json = 'not json {', output_json = NULL, error = 'Ünïcödé ✓ 🚀 ' || repeat('x', 5000)
                WHERE seq = 2;
                INSERT INTO step_artifacts (step_id, kind, size_bytes, score, weight, price, big, ratio, ok, produced_on,
                    produced_local, produced_at, ref, blob, meta, doc, tags, feeling, took, code, note, label, host, tiny, owner, summary)
                SELECT s.id, v.kind, v.size_bytes, v.score, v.weight, v.price, v.big, v.ratio, v.ok, v.produced_on,
                       v.produced_local, v.produced_at, v.ref, v.blob, v.meta, v.doc, v.tags, v.feeling, v.took, v.code, v.note, v.label,
                       v.host, v.tiny, v.owner, v.summary
                FROM pipeline_steps s CROSS JOIN (VALUES
                  ((-32768)::smallint, 9223372036854775807::bigint, 1.5::real, 2.718281828459045::float8, -1234567.891::numeric(10,3),
                   -1234567890123456789012345678.0123456789::numeric(38,10), 1.50::numeric, true, '1999-12-31'::date,
                   '2026-05-10 12:34:56.789012'::timestamp, '2026-05-10T12:34:56.789012+02:00'::timestamptz,
                   'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid, '\\x00ff10'::bytea, '{"k": [1, {"n": null}], "é": "✓"}'::jsonb,
                   '{"keep":  "spacing"}'::json, ARRAY['a', 'b c', NULL], 'ünïcödé'::mood, '1 day 02:03:04'::interval, 'ab'::char(5),
                   E'tab\\there\\nnewline \\u00e9 \\U0001F680', 'dömäin'::short_text, '10.1.2.3/32'::inet, 'x'::"char", 'pg_name'::name,
                   '<a b="c">d</a>'::xml),
                  (32767::smallint, (-9223372036854775808)::bigint, 'NaN'::real, '-Infinity'::float8, 0.001::numeric(10,3),
                   0::numeric(38,10), -0.000001::numeric, false, '0044-03-15 BC'::date,
                   '1900-01-01 00:00:00'::timestamp, '1969-12-31T23:59:59.999999Z'::timestamptz,
                   '00000000-0000-0000-0000-000000000000'::uuid, ''::bytea, '[]'::jsonb, '  [1,2]  '::json, '{}'::text[], 'calm'::mood,
                   '-3 mons'::interval, ''::char(5), '', '', '::1'::inet, ' '::"char", ''::name, '<x/>'::xml),
                  (0::smallint, 0::bigint, -0.0::real, 1e308::float8, -0.5::numeric(10,3),
                   99999999.9999999999::numeric(38,10), 123456789012345678901234567890.12345678901234567890::numeric, NULL, '2262-04-11'::date,
                   '2262-04-11 23:47:16.854775'::timestamp, '0001-01-01T00:00:00Z'::timestamptz,
                   'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid, decode(repeat('ab', 70000), 'hex'), '"\\"quoted\\" ☃"'::jsonb, 'null'::json,
                   ARRAY['{"q": "\\"x\\""}'], NULL, NULL, 'abcde'::char(5), repeat('long ', 100000), NULL, '192.168.0.0/16'::inet, NULL,
                   NULL, NULL)
                ) AS v(kind, size_bytes, score, weight, price, big, ratio, ok, produced_on, produced_local, produced_at, ref, blob, meta,
                       doc, tags, feeling, took, code, note, label, host, tiny, owner, summary)
                WHERE s.seq = 1;
                INSERT INTO step_artifacts (step_id) SELECT id FROM pipeline_steps WHERE seq = 2;
                """);
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
                                Object value = driverValue(table.columns().get(i), rs, i + 1);
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

    /** The oracle: the value an Avro record holds, from the driver's own decoding of its text format. */
    private static Object driverValue(SourceColumn column, ResultSet rs, int i) throws SQLException {
        return switch (AvroMapping.Kind.of(column)) {
            case INT -> rs.getObject(i) == null ? null : rs.getInt(i);
            case LONG -> rs.getObject(i) == null ? null : rs.getLong(i);
            case FLOAT -> rs.getObject(i) == null ? null : rs.getFloat(i);
            case DOUBLE -> rs.getObject(i) == null ? null : rs.getDouble(i);
            case BOOLEAN -> rs.getObject(i) == null ? null : rs.getBoolean(i);
            case DECIMAL -> {
                BigDecimal v = rs.getBigDecimal(i);
                yield v == null ? null : ByteBuffer.wrap(AvroMapping.unscaled(v, column.scale()));
            }
            case TIMESTAMPTZ -> {
                OffsetDateTime v = rs.getObject(i, OffsetDateTime.class);
                yield v == null ? null : micros(v.toInstant());
            }
            case TIMESTAMP -> {
                LocalDateTime v = rs.getObject(i, LocalDateTime.class);
                yield v == null ? null : micros(v.toInstant(ZoneOffset.UTC));
            }
            case DATE -> {
                LocalDate v = rs.getObject(i, LocalDate.class);
                yield v == null ? null : Math.toIntExact(v.toEpochDay());
            }
            case BYTES -> {
                byte[] v = rs.getBytes(i);
                yield v == null ? null : ByteBuffer.wrap(v);
            }
            case TEXT -> rs.getString(i);
        };
    }

    private static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
    }
}
