package dev.pipelinearchiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.CopyRows;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.source.SourceColumn;
import dev.pipelinearchiver.source.SourceTable;
import dev.pipelinearchiver.stats.StepStatsTasklet;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import dev.pipelinearchiver.support.Rows;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Every {@link ColumnCodec} over the all-types table: each has a column there, its pieces agree (the route
 * from the catalog and the one from an archive file's field, the Parquet primitive parquet-avro makes of its
 * Avro type, the writer's encoding), and every column's values, odd ones and NULLs included, go from the
 * binary COPY through a Parquet file and back through the restore binders into PostgreSQL unchanged.
 * Adding a type: a column of it here, and its arm in {@link #driverValue}.
 */
public class ColumnCodecTest extends ArchiveTestSupport {

    /** A table two cascades away from the runs with a column of every codec, some types several times. */
    public static final String ALL_TYPES_TABLE = """
                CREATE TYPE mood AS ENUM ('calm', 'nervous', 'ünïcödé');
                CREATE DOMAIN short_text AS varchar(20);
                CREATE TABLE step_artifacts (
                    id bigserial PRIMARY KEY,
                    step_id integer NOT NULL REFERENCES pipeline_steps (id) ON DELETE CASCADE,
                    kind smallint, size_bytes bigint, score real, weight double precision,
                    price numeric(10,3), big numeric(38,10), ratio numeric, ok boolean, produced_on date,
                    produced_local timestamp, produced_at timestamptz, ref uuid, blob bytea, meta jsonb, doc json,
                    tags text[], counts int4[], levels real[], spans interval[], feeling mood, took interval, code char(5), note text, label short_text, host inet,
                    tiny "char", owner name, summary xml);
                """;

    /** Three rows of odd values (extremes, NaN, empty, huge, Unicode) per first step, a row of NULLs per second. */
    static final String ALL_TYPES_ROWS = """
                INSERT INTO step_artifacts (step_id, kind, size_bytes, score, weight, price, big, ratio, ok, produced_on,
                    produced_local, produced_at, ref, blob, meta, doc, tags, counts, levels, spans, feeling, took, code, note, label, host, tiny,
                    owner, summary)
                SELECT s.id, v.kind, v.size_bytes, v.score, v.weight, v.price, v.big, v.ratio, v.ok, v.produced_on,
                       v.produced_local, v.produced_at, v.ref, v.blob, v.meta, v.doc, v.tags, v.counts, v.levels, v.spans, v.feeling, v.took, v.code, v.note, v.label,
                       v.host, v.tiny, v.owner, v.summary
                FROM pipeline_steps s CROSS JOIN (VALUES
                  ((-32768)::smallint, 9223372036854775807::bigint, 1.5::real, 2.718281828459045::float8, -1234567.891::numeric(10,3),
                   -1234567890123456789012345678.0123456789::numeric(38,10), 1.50::numeric, true, '1999-12-31'::date,
                   '2026-05-10 12:34:56.789012'::timestamp, '2026-05-10T12:34:56.789012+02:00'::timestamptz,
                   'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid, '\\x00ff10'::bytea, '{"k": [1, {"n": null}], "é": "✓"}'::jsonb,
                   '{"keep":  "spacing"}'::json, ARRAY['a', 'b c', NULL], ARRAY[1, NULL, -2147483648]::int4[],
                   ARRAY['NaN', '-Infinity', -0.0, 3.4028235e38]::real[], ARRAY['1 day'::interval, NULL], 'ünïcödé'::mood, '1 day 02:03:04'::interval, 'ab'::char(5),
                   E'tab\\there\\nnewline \\u00e9 \\U0001F680', 'dömäin'::short_text, '10.1.2.3/32'::inet, 'x'::"char", 'pg_name'::name,
                   '<a b="c">d</a>'::xml),
                  (32767::smallint, (-9223372036854775808)::bigint, 'NaN'::real, '-Infinity'::float8, 0.001::numeric(10,3),
                   0::numeric(38,10), -0.000001::numeric, false, '0044-03-15 BC'::date,
                   '1900-01-01 00:00:00'::timestamp, '1969-12-31T23:59:59.999999Z'::timestamptz,
                   '00000000-0000-0000-0000-000000000000'::uuid, ''::bytea, '[]'::jsonb, '  [1,2]  '::json, '{}'::text[], '{}'::int4[], ARRAY[NULL]::real[], '{}'::interval[], 'calm'::mood,
                   '-3 mons'::interval, ''::char(5), '', '', '::1'::inet, ' '::"char", ''::name, '<x/>'::xml),
                  (0::smallint, 0::bigint, -0.0::real, 1e308::float8, -0.5::numeric(10,3),
                   99999999.9999999999::numeric(38,10), 123456789012345678901234567890.12345678901234567890::numeric, NULL, '2262-04-11'::date,
                   '2262-04-11 23:47:16.854775'::timestamp, '0001-01-01T00:00:00Z'::timestamptz,
                   'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid, decode(repeat('ab', 70000), 'hex'), '"\\"quoted\\" ☃"'::jsonb, 'null'::json,
                   ARRAY['{"q": "\\"x\\""}', 'back\\\\slash', ''], NULL, NULL, NULL, NULL, NULL, 'abcde'::char(5), repeat('long ', 100000), NULL, '192.168.0.0/16'::inet, NULL,
                   NULL, NULL)
                ) AS v(kind, size_bytes, score, weight, price, big, ratio, ok, produced_on, produced_local, produced_at, ref, blob, meta,
                       doc, tags, counts, levels, spans, feeling, took, code, note, label, host, tiny, owner, summary)
                WHERE s.seq = 1;
                INSERT INTO step_artifacts (step_id) SELECT id FROM pipeline_steps WHERE seq = 2;
                """;

    @Autowired
    SourceCatalog catalog;

    @Autowired
    ParquetArchive parquet;

    @Test
    void everyCodecHasAColumnOfTheAllTypesTableAndItsPiecesAgree() throws Exception {
        // given
        DB.execute(ALL_TYPES_TABLE);
        SourceTable table = allTypes(catalog.inspect());

        // when
        AvroMapping mapping = AvroMapping.of(table);
        Configuration threeLevelLists = new Configuration(false);
        threeLevelLists.setBoolean(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, false);
        MessageType parquetSchema = new AvroSchemaConverter(threeLevelLists).convert(mapping.schema());

        // then: every codec has a column, which the file's field leads back to, with the primitive it writes
        Map<ColumnCodec, List<String>> columns = columnsByCodec(table);
        assertThat(columns.keySet())
                .isEqualTo(EnumSet.allOf(ColumnCodec.class).stream()
                        .filter(codec -> !codec.olderLayoutOnly())
                        .collect(Collectors.toSet()));
        for (SourceColumn column : table.columns()) {
            ColumnCodec codec = ColumnCodec.of(column);
            Schema.Field field = mapping.schema().getField(AvroMapping.avroName(column.name()));
            assertThat(ColumnCodec.archived(field)).as(column.name()).isEqualTo(codec);
            if (codec == ColumnCodec.LIST) {
                assertThat(parquetSchema.getType(field.name()).getLogicalTypeAnnotation())
                        .as(column.name())
                        .isEqualTo(LogicalTypeAnnotation.listType());
                assertThat(parquetSchema
                                .getType(field.name())
                                .asGroupType()
                                .getType("list")
                                .asGroupType()
                                .getFieldName(0))
                        .isEqualTo("element");
            } else {
                assertThat(parquetSchema.getType(field.name()).asPrimitiveType().getPrimitiveTypeName())
                        .as(column.name())
                        .isEqualTo(codec.primitive());
            }
            assertThat(codec.binder(field)).as(column.name()).isNotNull();
        }
        // and the writer's encoding of each column is the one the archive has always had
        assertThat(columns.get(ColumnCodec.TEXT)).containsExactlyInAnyOrder("note", "doc", "summary");
        assertThat(columns.get(ColumnCodec.SHORT_TEXT))
                .containsExactlyInAnyOrder("ratio", "feeling", "took", "code", "label", "host", "tiny", "owner");
        List<Schema.Field> fields = new ArrayList<>(mapping.schema().getFields());
        for (SourceTable standard : catalog.inspect().tables()) {
            fields.addAll(AvroMapping.of(standard).schema().getFields());
        }
        fields.addAll(StepStatsTasklet.SCHEMA.getFields());
        for (Schema.Field field : fields) {
            // step_stats' histogram (contract version 2) came after the codecs: a blob, kept without
            // dictionary or min/max like every other unbounded binary value
            ColumnEncoding expected =
                    field.name().equals(StepStatsTasklet.HISTOGRAM) ? ColumnEncoding.PAYLOAD : encodingBefore(field);
            assertThat(ColumnEncoding.of(field)).as(field.name()).isEqualTo(expected);
        }
    }

    @Test
    void everyCodecRoundTripsFromTheCopyThroughParquetAndTheRestoreBinders() throws Exception {
        // given: the all-types table with odd values and NULLs, and an empty copy of it
        DB.execute(ALL_TYPES_TABLE);
        fixture.runs(3, "ok", Instant.parse("2026-05-10T00:00:00Z"), 3_600, 2);
        DB.execute(ALL_TYPES_ROWS);
        DB.execute("CREATE TABLE restored_artifacts (LIKE step_artifacts)");
        ArchiveSources sources = catalog.inspect();
        SourceTable table = allTypes(sources);
        AvroMapping mapping = AvroMapping.of(table);
        long[] runIds = postgres("SELECT id FROM pipeline_runs").stream()
                .mapToLong(row -> ((Number) row.get(0)).longValue())
                .toArray();
        String file = parquet.file("codecs", LocalDate.EPOCH, "step_artifacts.parquet");

        // when: the rows go from the binary COPY into a Parquet file, are read back and bound by their codecs
        try (Connection con = DB.connect()) {
            con.setAutoCommit(false);
            String copy = sources.copyByRunSql(table, AvroMapping::selectsTextOutput, runIds);
            try (var staged = parquet.stage(file, mapping);
                    CopyRows rows = CopyRows.start(con, copy, table.columns().size() + 2)) {
                while (rows.next()) {
                    staged.write(rows);
                }
                assertThat(staged.commit().rows()).isEqualTo(12); // 3 runs: 3 rows of values and a row of NULLs each
            }
            con.commit();
            restore(con, file);
            con.commit();
        }

        // then: every column of every codec holds the same values as the original
        for (Map.Entry<ColumnCodec, List<String>> codec : columnsByCodec(table).entrySet()) {
            for (String column : codec.getValue()) {
                String values = "SELECT " + column + "::text FROM %s ORDER BY id";
                assertThat(postgres(values.formatted("restored_artifacts")))
                        .as(codec.getKey() + " column " + column)
                        .hasSize(12)
                        .isEqualTo(postgres(values.formatted("step_artifacts")));
            }
        }
    }

    /** Inserts the file's records into restored_artifacts, each value bound by its field's codec with a cast. */
    private void restore(Connection con, String file) throws Exception {
        List<List<Object>> types = Rows.query(con, """
                SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
                WHERE attrelid = 'restored_artifacts'::regclass AND attnum > 0 ORDER BY attnum""");
        try (ParquetReader<GenericRecord> reader = parquet.reader(file);
                PreparedStatement insert = con.prepareStatement("INSERT INTO restored_artifacts VALUES ("
                        + String.join(
                                ", ",
                                types.stream()
                                        .map(t -> "CAST(? AS " + t.get(1) + ")")
                                        .toList()) + ")")) {
            for (GenericRecord record; (record = reader.read()) != null; ) {
                List<Schema.Field> fields = record.getSchema().getFields();
                assertThat(fields)
                        .extracting(Schema.Field::name)
                        .containsExactlyElementsOf(
                                types.stream().map(t -> (String) t.get(0)).toList());
                for (int i = 0; i < fields.size(); i++) {
                    Schema.Field field = fields.get(i);
                    ColumnCodec.archived(field).binder(field).bind(insert, i + 1, record.get(i));
                }
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    private static SourceTable allTypes(ArchiveSources sources) {
        return sources.tables().stream()
                .filter(t -> t.name().equals("step_artifacts"))
                .findFirst()
                .orElseThrow();
    }

    private static Map<ColumnCodec, List<String>> columnsByCodec(SourceTable table) {
        Map<ColumnCodec, List<String>> columns = new EnumMap<>(ColumnCodec.class);
        for (SourceColumn column : table.columns()) {
            columns.computeIfAbsent(ColumnCodec.of(column), codec -> new ArrayList<>())
                    .add(column.name());
        }
        return columns;
    }

    /**
     * The writer's encoding of a field as ParquetArchive decided it before the codecs (its isPayload and
     * isLowCardinalityText): no dictionary nor statistics for unbounded text, json, xml, bytea and arrays;
     * a dictionary for any other plain string; neither change for the rest.
     */
    private static ColumnEncoding encodingBefore(Schema.Field field) {
        Object pgType = field.getObjectProp(AvroMapping.PG_TYPE);
        boolean payload = pgType instanceof String type
                && (Set.of("text", "json", "jsonb", "xml", "bytea").contains(type) || type.startsWith("_"));
        Schema schema = field.schema().isUnion() ? field.schema().getTypes().get(1) : field.schema();
        boolean lowCardinalityText =
                schema.getType() == Schema.Type.STRING && schema.getLogicalType() == null && !payload;
        return payload ? ColumnEncoding.PAYLOAD : lowCardinalityText ? ColumnEncoding.DICTIONARY : ColumnEncoding.PLAIN;
    }

    /** The oracle: the value an Avro record holds, from the driver's own decoding of its text format. */
    static Object driverValue(SourceColumn column, ResultSet rs, int i) throws SQLException {
        return switch (ColumnCodec.of(column)) {
            case INT -> rs.getObject(i) == null ? null : rs.getInt(i);
            case LONG -> rs.getObject(i) == null ? null : rs.getLong(i);
            case FLOAT -> rs.getObject(i) == null ? null : rs.getFloat(i);
            case DOUBLE -> rs.getObject(i) == null ? null : rs.getDouble(i);
            case BOOLEAN -> rs.getObject(i) == null ? null : rs.getBoolean(i);
            case DECIMAL -> {
                BigDecimal v = rs.getBigDecimal(i);
                Schema fixed = ColumnCodec.DECIMAL.schema(column);
                yield v == null
                        ? null
                        : new GenericData.Fixed(fixed, Decimals.fixed(v, column.scale(), fixed.getFixedSize()));
            }
            case DECIMAL_BYTES -> {
                BigDecimal v = rs.getBigDecimal(i);
                yield v == null ? null : ByteBuffer.wrap(Decimals.unscaled(v, column.scale()));
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
            case TEXT, SHORT_TEXT, JSONB, UUID, ARRAY -> rs.getString(i);
            case LIST -> {
                java.sql.Array array = rs.getArray(i);
                if (array == null) {
                    yield null;
                }
                List<Object> values = new ArrayList<>();
                for (Object value : (Object[]) array.getArray()) {
                    values.add(value instanceof String text ? new Utf8(text) : value);
                }
                yield values;
            }
        };
    }

    private static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
    }
}
