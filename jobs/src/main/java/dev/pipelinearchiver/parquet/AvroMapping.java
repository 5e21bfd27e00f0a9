package dev.pipelinearchiver.parquet;

import dev.pipelinearchiver.source.SourceColumn;
import dev.pipelinearchiver.source.SourceTable;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.util.Utf8;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * Maps a backend table to an Avro record schema (the files' schema, kept in their footer as parquet-avro
 * writes it, so that any Avro-aware reader reads them back as records) and writes JDBC rows into it
 * without reflection: one precomputed column per field, written straight to Parquet's record consumer
 * by {@link RowWriteSupport} (no Avro record in between), or read as the value an Avro record holds.
 *
 * <p>Types: int2/int4 as int, int8 as long, float4/float8, boolean, numeric(p,s) with p ≤ 38 as an
 * exact decimal, timestamptz as a UTC instant (micros), timestamp as a local timestamp (micros), date,
 * bytea as bytes, and everything else (text, varchar, json, jsonb, uuid, unconstrained numeric,
 * arrays, enums, …) as its PostgreSQL text form, which is exactly what PostgreSQL stores and shows.
 * NOT NULL columns are required fields, the others optional.
 */
public final class AvroMapping {

    /** Avro namespace of the archive's records: never a Java class name on the classpath. */
    public static final String NAMESPACE = "pipeline_archiver.avro";

    /** Name of the Avro field property holding the PostgreSQL column name and type. */
    public static final String PG_COLUMN = "pg.column";

    public static final String PG_TYPE = "pg.type";

    private final Schema schema;
    private final List<Column> columns;

    private AvroMapping(Schema schema, List<Column> columns) {
        this.schema = schema;
        this.columns = columns;
    }

    public static AvroMapping of(SourceTable table) {
        List<Schema.Field> fields = new ArrayList<>();
        List<Column> columns = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (SourceColumn column : table.columns()) {
            String fieldName = avroName(column.name());
            if (!names.add(fieldName)) {
                throw new IllegalStateException("Columns of " + table + " collide as Parquet field " + fieldName);
            }
            Kind kind = Kind.of(column);
            Schema type = kind.schema(column);
            Schema.Field field = column.notNull()
                    ? new Schema.Field(fieldName, type)
                    : new Schema.Field(fieldName, Schema.createUnion(Schema.create(Schema.Type.NULL), type), null,
                            Schema.Field.NULL_DEFAULT_VALUE);
            field.addProp(PG_COLUMN, column.name());
            field.addProp(PG_TYPE, column.typeName());
            fields.add(field);
            columns.add(new Column(fieldName, columns.size(), kind, column.scale(), kind.reader(column), kind.writesRawBytes(column)));
        }
        Schema schema = Schema.createRecord(avroName(table.name()), "Archived rows of " + table.name(), NAMESPACE, false, fields);
        return new AvroMapping(schema, List.copyOf(columns));
    }

    public Schema schema() {
        return schema;
    }

    /** The value column {@code column} (1-based) of the current row has in a record of this schema (null for NULL). */
    public Object value(ResultSet rs, int column) throws SQLException {
        return columns.get(column - 1).reader.read(rs, column);
    }

    List<Column> columns() {
        return columns;
    }

    /** The Parquet field name of a PostgreSQL column (characters Avro rejects become _). */
    public static String avroName(String pgName) {
        String name = pgName.replaceAll("[^A-Za-z0-9_]", "_");
        return Character.isDigit(name.charAt(0)) ? "_" + name : name;
    }

    @FunctionalInterface
    private interface ColumnReader {
        Object read(ResultSet rs, int index) throws SQLException;
    }

    /**
     * One field: writes the current row's value of its column to Parquet as parquet-avro writes the
     * record value {@link #value} gives (same Parquet type and bytes), without boxing it or building
     * the record, and returns the value's size in bytes (0 for NULL). A NULL writes nothing: the record
     * consumer fills absent optional fields with nulls.
     */
    static final class Column {

        final String name;
        final int index;
        final Kind kind;
        private final int scale;
        private final ColumnReader reader;
        private final boolean rawBytes;

        private Column(String name, int index, Kind kind, int scale, ColumnReader reader, boolean rawBytes) {
            this.name = name;
            this.index = index;
            this.kind = kind;
            this.scale = scale;
            this.reader = reader;
            this.rawBytes = rawBytes;
        }

        int write(ResultSet rs, int column, RecordConsumer out) throws SQLException {
            return switch (kind) {
                case INT -> {
                    int v = rs.getInt(column);
                    yield rs.wasNull() ? 0 : integer(out, v);
                }
                case LONG -> {
                    long v = rs.getLong(column);
                    yield rs.wasNull() ? 0 : longValue(out, v);
                }
                case FLOAT -> {
                    float v = rs.getFloat(column);
                    yield rs.wasNull() ? 0 : floatValue(out, v);
                }
                case DOUBLE -> {
                    double v = rs.getDouble(column);
                    yield rs.wasNull() ? 0 : doubleValue(out, v);
                }
                case BOOLEAN -> {
                    boolean v = rs.getBoolean(column);
                    yield rs.wasNull() ? 0 : booleanValue(out, v);
                }
                case DATE -> reader.read(rs, column) instanceof Integer days ? integer(out, days) : 0;
                case TIMESTAMPTZ, TIMESTAMP -> reader.read(rs, column) instanceof Long micros ? longValue(out, micros) : 0;
                case DECIMAL -> {
                    BigDecimal v = rs.getBigDecimal(column);
                    yield v == null ? 0 : binary(out, unscaled(v, scale));
                }
                case BYTES -> binary(out, rs.getBytes(column));
                // the driver's bytes of a text-wire type are the value's UTF-8 as they are (see TEXT_WIRE_TYPES):
                // a fresh array per row, never reused, so Parquet may keep it without a copy
                case TEXT -> binary(out, rawBytes ? rs.getBytes(column) : utf8(rs.getString(column)));
            };
        }

        private void start(RecordConsumer out) {
            out.startField(name, index);
        }

        private int end(RecordConsumer out, int bytes) {
            out.endField(name, index);
            return bytes;
        }

        private int integer(RecordConsumer out, int value) {
            start(out);
            out.addInteger(value);
            return end(out, Integer.BYTES);
        }

        private int longValue(RecordConsumer out, long value) {
            start(out);
            out.addLong(value);
            return end(out, Long.BYTES);
        }

        private int floatValue(RecordConsumer out, float value) {
            start(out);
            out.addFloat(value);
            return end(out, Float.BYTES);
        }

        private int doubleValue(RecordConsumer out, double value) {
            start(out);
            out.addDouble(value);
            return end(out, Double.BYTES);
        }

        private int booleanValue(RecordConsumer out, boolean value) {
            start(out);
            out.addBoolean(value);
            return end(out, 1);
        }

        /** A byte array nobody writes to again (Parquet keeps it as it is), or null for NULL. */
        private int binary(RecordConsumer out, byte[] value) {
            if (value == null) {
                return 0;
            }
            start(out);
            out.addBinary(Binary.fromConstantByteArray(value));
            return end(out, value.length);
        }

        private static byte[] utf8(String value) {
            return value == null ? null : value.getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * Types whose values the PostgreSQL driver always receives in text format, so that
     * {@code getBytes} is exactly the UTF-8 of {@code getString}. Others (uuid, arrays, …) may come
     * in binary format once a statement is server-prepared: they are read as strings.
     */
    private static final Set<String> TEXT_WIRE_TYPES = Set.of("text", "varchar", "bpchar", "json", "jsonb", "xml", "name");

    /** The unscaled two's-complement bytes of a decimal (setScale without rounding: a value that does not fit fails loudly). */
    private static byte[] unscaled(BigDecimal value, int scale) {
        return value.setScale(scale).unscaledValue().toByteArray();
    }

    enum Kind {
        INT, LONG, FLOAT, DOUBLE, BOOLEAN, DECIMAL, TIMESTAMPTZ, TIMESTAMP, DATE, BYTES, TEXT;

        static Kind of(SourceColumn column) {
            if ("A".equals(column.category())) {
                return TEXT;
            }
            return switch (column.typeName()) {
                case "int2", "int4" -> INT;
                case "int8" -> LONG;
                case "float4" -> FLOAT;
                case "float8" -> DOUBLE;
                case "bool" -> BOOLEAN;
                case "numeric" -> column.precision() >= 1 && column.precision() <= 38 ? DECIMAL : TEXT;
                case "timestamptz" -> TIMESTAMPTZ;
                case "timestamp" -> TIMESTAMP;
                case "date" -> DATE;
                case "bytea" -> BYTES;
                default -> TEXT;
            };
        }

        Schema schema(SourceColumn column) {
            return switch (this) {
                case INT -> Schema.create(Schema.Type.INT);
                case LONG -> Schema.create(Schema.Type.LONG);
                case FLOAT -> Schema.create(Schema.Type.FLOAT);
                case DOUBLE -> Schema.create(Schema.Type.DOUBLE);
                case BOOLEAN -> Schema.create(Schema.Type.BOOLEAN);
                case DECIMAL -> LogicalTypes.decimal(column.precision(), column.scale()).addToSchema(Schema.create(Schema.Type.BYTES));
                case TIMESTAMPTZ -> LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
                case TIMESTAMP -> LogicalTypes.localTimestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
                case DATE -> LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
                case BYTES -> Schema.create(Schema.Type.BYTES);
                case TEXT -> "uuid".equals(column.typeName())
                        ? LogicalTypes.uuid().addToSchema(Schema.create(Schema.Type.STRING))
                        : Schema.create(Schema.Type.STRING);
            };
        }

        ColumnReader reader(SourceColumn column) {
            return switch (this) {
                case INT -> (rs, i) -> {
                    int v = rs.getInt(i);
                    return rs.wasNull() ? null : v;
                };
                case LONG -> (rs, i) -> {
                    long v = rs.getLong(i);
                    return rs.wasNull() ? null : v;
                };
                case FLOAT -> (rs, i) -> {
                    float v = rs.getFloat(i);
                    return rs.wasNull() ? null : v;
                };
                case DOUBLE -> (rs, i) -> {
                    double v = rs.getDouble(i);
                    return rs.wasNull() ? null : v;
                };
                case BOOLEAN -> (rs, i) -> {
                    boolean v = rs.getBoolean(i);
                    return rs.wasNull() ? null : v;
                };
                case DECIMAL -> {
                    int scale = column.scale();
                    yield (rs, i) -> {
                        BigDecimal v = rs.getBigDecimal(i);
                        return v == null ? null : ByteBuffer.wrap(unscaled(v, scale));
                    };
                }
                case TIMESTAMPTZ -> (rs, i) -> {
                    OffsetDateTime v = rs.getObject(i, OffsetDateTime.class);
                    return v == null ? null : micros(v.toInstant());
                };
                case TIMESTAMP -> (rs, i) -> {
                    LocalDateTime v = rs.getObject(i, LocalDateTime.class);
                    return v == null ? null : micros(v.toInstant(ZoneOffset.UTC));
                };
                case DATE -> (rs, i) -> {
                    LocalDate v = rs.getObject(i, LocalDate.class);
                    return v == null ? null : Math.toIntExact(v.toEpochDay());
                };
                case BYTES -> (rs, i) -> {
                    byte[] v = rs.getBytes(i);
                    return v == null ? null : ByteBuffer.wrap(v);
                };
                case TEXT -> writesRawBytes(column)
                        ? (rs, i) -> {
                            // The driver's raw bytes: the value's text form in UTF-8 (pgjdbc always sets
                            // client_encoding UTF8, and never transfers these types in binary). Wrapped
                            // as Avro Utf8, they reach Parquet as they are, instead of being decoded to
                            // a String and encoded back (a third of the export's CPU on JSON payloads).
                            byte[] v = rs.getBytes(i);
                            return v == null ? null : new Utf8(v);
                        }
                        : (rs, i) -> rs.getString(i);
            };
        }

        /** TEXT columns whose driver bytes are their UTF-8 text as it is (see {@link #TEXT_WIRE_TYPES}). */
        boolean writesRawBytes(SourceColumn column) {
            return this == TEXT && TEXT_WIRE_TYPES.contains(column.typeName()) && !"A".equals(column.category());
        }

        private static long micros(Instant instant) {
            // exact: fails (ArithmeticException) on ±infinity rather than archiving a wrong instant
            return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
        }
    }
}
