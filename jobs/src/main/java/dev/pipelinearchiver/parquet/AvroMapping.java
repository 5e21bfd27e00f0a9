package dev.pipelinearchiver.parquet;

import dev.pipelinearchiver.source.CopyRows;
import dev.pipelinearchiver.source.SourceColumn;
import dev.pipelinearchiver.source.SourceTable;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.util.Utf8;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * Maps a backend table to an Avro record schema (the files' schema, kept in their footer as parquet-avro
 * writes it, so that any Avro-aware reader reads them back as records) and writes the rows of a binary
 * COPY ({@link CopyRows}) into it without reflection: one precomputed column per field, written from
 * the bytes PostgreSQL sent straight to Parquet's record consumer by {@link RowWriteSupport} (no Avro
 * record in between), or read as the value an Avro record holds.
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
                    : new Schema.Field(
                            fieldName,
                            Schema.createUnion(Schema.create(Schema.Type.NULL), type),
                            null,
                            Schema.Field.NULL_DEFAULT_VALUE);
            field.addProp(PG_COLUMN, column.name());
            field.addProp(PG_TYPE, column.typeName());
            fields.add(field);
            // a TEXT column selected as its text output reads as it is (RAW); other kinds ignore the wire
            columns.add(new Column(
                    fieldName,
                    columns.size(),
                    kind,
                    column.scale(),
                    Objects.requireNonNullElse(TextWire.of(column), TextWire.RAW)));
        }
        Schema schema = Schema.createRecord(
                avroName(table.name()), "Archived rows of " + table.name(), NAMESPACE, false, fields);
        return new AvroMapping(schema, List.copyOf(columns));
    }

    public Schema schema() {
        return schema;
    }

    /** The value field {@code field} (0-based) of the current COPY row has in a record of this schema (null for NULL). */
    public Object value(CopyRows row, int field) throws SQLException {
        return columns.get(field).value(row, field);
    }

    /**
     * Whether the export selects this column as its text output ({@code format('%s', …)}) rather than in its
     * binary send format: types whose archived value is their PostgreSQL text form but whose binary form
     * is not that text (arrays, intervals, unconstrained numeric, inet, …).
     */
    public static boolean selectsTextOutput(SourceColumn column) {
        return Kind.of(column) == Kind.TEXT && TextWire.of(column) == null;
    }

    List<Column> columns() {
        return columns;
    }

    /** The Parquet field name of a PostgreSQL column (characters Avro rejects become _). */
    public static String avroName(String pgName) {
        String name = pgName.replaceAll("[^A-Za-z0-9_]", "_");
        return Character.isDigit(name.charAt(0)) ? "_" + name : name;
    }

    /**
     * One field: writes its value in the current COPY row to Parquet as parquet-avro writes the record
     * value {@link #value} gives (same Parquet type and bytes), without boxing it or building the record.
     * A NULL writes nothing: the record consumer fills absent optional fields with nulls.
     */
    static final class Column {

        final String name;
        final int index;
        final Kind kind;
        private final int scale;
        private final TextWire wire;

        private Column(String name, int index, Kind kind, int scale, TextWire wire) {
            this.name = name;
            this.index = index;
            this.kind = kind;
            this.scale = scale;
            this.wire = wire;
        }

        void write(CopyRows row, int field, RecordConsumer out) throws SQLException {
            if (row.isNull(field)) {
                return;
            }
            out.startField(name, index);
            switch (kind) {
                case INT -> out.addInteger((int) row.integer(field)); // int2 or int4
                case LONG -> out.addLong(row.int64(field, "bigint"));
                case FLOAT -> out.addFloat(Float.intBitsToFloat(row.int32(field, "real")));
                case DOUBLE -> out.addDouble(Double.longBitsToDouble(row.int64(field, "double precision")));
                case BOOLEAN -> out.addBoolean(row.bool(field));
                case DATE -> out.addInteger(row.epochDay(field));
                case TIMESTAMPTZ, TIMESTAMP -> out.addLong(row.epochMicros(field));
                case DECIMAL -> out.addBinary(Binary.fromConstantByteArray(unscaled(row.numeric(field), scale)));
                case BYTES -> out.addBinary(slice(row, field, 0));
                case TEXT ->
                    out.addBinary(
                            switch (wire) {
                                case RAW -> slice(row, field, 0);
                                case JSONB -> slice(row, field, row.jsonbTextOffset(field));
                                case UUID -> Binary.fromConstantByteArray(row.uuidText(field));
                            });
            }
            out.endField(name, index);
        }

        /**
         * The field's bytes where they are: Parquet copies what it keeps beyond the call (dictionary
         * entries, min/max), so a row's array is not held by one small value of it.
         */
        private static Binary slice(CopyRows row, int field, int skip) {
            return Binary.fromReusedByteArray(row.buffer(), row.offset(field) + skip, row.length(field) - skip);
        }

        /** The value an Avro record of the schema holds for the field (text as {@link Utf8}), null for NULL. */
        Object value(CopyRows row, int field) throws SQLException {
            if (row.isNull(field)) {
                return null;
            }
            return switch (kind) {
                case INT -> (int) row.integer(field);
                case LONG -> row.int64(field, "bigint");
                case FLOAT -> Float.intBitsToFloat(row.int32(field, "real"));
                case DOUBLE -> Double.longBitsToDouble(row.int64(field, "double precision"));
                case BOOLEAN -> row.bool(field);
                case DATE -> row.epochDay(field);
                case TIMESTAMPTZ, TIMESTAMP -> row.epochMicros(field);
                case DECIMAL -> ByteBuffer.wrap(unscaled(row.numeric(field), scale));
                case BYTES -> ByteBuffer.wrap(slice(row, field, 0).getBytes());
                case TEXT ->
                    new Utf8(
                            switch (wire) {
                                case RAW -> slice(row, field, 0).getBytes();
                                case JSONB ->
                                    slice(row, field, row.jsonbTextOffset(field))
                                            .getBytes();
                                case UUID -> row.uuidText(field);
                            });
            };
        }
    }

    /** The unscaled two's-complement bytes of a decimal (setScale without rounding: a value that does not fit fails loudly). */
    static byte[] unscaled(BigDecimal value, int scale) {
        return value.setScale(scale).unscaledValue().toByteArray();
    }

    /**
     * How the binary COPY sends a TEXT column whose binary form is its text: as it is (text, varchar,
     * char(n) with its padding, name, json, enum labels; all in the client encoding, UTF8 for pgjdbc),
     * jsonb after its format version byte, uuid as 16 bytes. Other TEXT columns are selected as their
     * text output ({@link #selectsTextOutput}), which then comes as it is.
     */
    enum TextWire {
        RAW,
        JSONB,
        UUID;

        private static final Set<String> RAW_TYPES = Set.of("text", "varchar", "bpchar", "name", "json");

        static TextWire of(SourceColumn column) {
            if ("E".equals(column.category())) {
                return RAW;
            }
            if ("A".equals(column.category())) {
                return null;
            }
            return switch (column.typeName()) {
                case "jsonb" -> JSONB;
                case "uuid" -> UUID;
                default -> RAW_TYPES.contains(column.typeName()) ? RAW : null;
            };
        }
    }

    enum Kind {
        INT,
        LONG,
        FLOAT,
        DOUBLE,
        BOOLEAN,
        DECIMAL,
        TIMESTAMPTZ,
        TIMESTAMP,
        DATE,
        BYTES,
        TEXT;

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
                case DECIMAL ->
                    LogicalTypes.decimal(column.precision(), column.scale())
                            .addToSchema(Schema.create(Schema.Type.BYTES));
                case TIMESTAMPTZ -> LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
                case TIMESTAMP -> LogicalTypes.localTimestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
                case DATE -> LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
                case BYTES -> Schema.create(Schema.Type.BYTES);
                case TEXT ->
                    "uuid".equals(column.typeName())
                            ? LogicalTypes.uuid().addToSchema(Schema.create(Schema.Type.STRING))
                            : Schema.create(Schema.Type.STRING);
            };
        }
    }
}
