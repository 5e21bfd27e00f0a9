package dev.pipelinearchiver.parquet;

import static dev.pipelinearchiver.parquet.ColumnEncoding.DICTIONARY;
import static dev.pipelinearchiver.parquet.ColumnEncoding.PAYLOAD;
import static dev.pipelinearchiver.parquet.ColumnEncoding.PLAIN;
import static dev.pipelinearchiver.parquet.ConsumerCalls.addBinary;
import static dev.pipelinearchiver.parquet.ConsumerCalls.addBoolean;
import static dev.pipelinearchiver.parquet.ConsumerCalls.addDouble;
import static dev.pipelinearchiver.parquet.ConsumerCalls.addFloat;
import static dev.pipelinearchiver.parquet.ConsumerCalls.addInt;
import static dev.pipelinearchiver.parquet.ConsumerCalls.addList;
import static dev.pipelinearchiver.parquet.ConsumerCalls.addLong;
import static dev.pipelinearchiver.parquet.ValueBinder.atUtc;
import static dev.pipelinearchiver.parquet.ValueBinder.wallClock;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT64;

import dev.pipelinearchiver.source.CopyRows;
import dev.pipelinearchiver.source.SourceColumn;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.Schema.Type;
import org.apache.avro.generic.GenericData;
import org.apache.avro.util.Utf8;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * How each kind of PostgreSQL column is archived, all its pieces in one place: the catalog types it takes
 * ({@link #of}), its Avro type (the analysts' contract), the Parquet primitive parquet-avro makes of it and
 * its {@link ColumnEncoding}, how its binary COPY field is decoded and written ({@link #write}) or becomes
 * the value an Avro record holds ({@link #value}), and how an archived value is bound back into PostgreSQL on
 * restore ({@link #binder}). The values of the types archived as text are exactly PostgreSQL's text form.
 *
 * <p>Adding a type: a constant (the compiler then asks for its arms of {@link #write}, {@link #value},
 * {@link #selectsTextOutput} and {@link #archivedAs}), its route in {@link #of}, and a column of that type in
 * the tests' all-types table, which ColumnCodecTest requires of every codec and round-trips through restore.
 */
public enum ColumnCodec {
    /** smallint and integer (2 or 4 bytes in the COPY). */
    INT(Type.INT, null, INT32, PLAIN, Types.INTEGER, v -> v),
    /** bigint. */
    LONG(Type.LONG, null, INT64, PLAIN, Types.BIGINT, v -> v),
    /** real. */
    FLOAT(Type.FLOAT, null, PrimitiveTypeName.FLOAT, PLAIN, Types.REAL, v -> v),
    /** double precision. */
    DOUBLE(Type.DOUBLE, null, PrimitiveTypeName.DOUBLE, PLAIN, Types.DOUBLE, v -> v),
    /** boolean. */
    BOOLEAN(Type.BOOLEAN, null, PrimitiveTypeName.BOOLEAN, PLAIN, Types.BOOLEAN, v -> v),
    /**
     * numeric(p, s) with p ≤ 38: an exact decimal, its unscaled value's two's-complement bytes sign-extended to
     * Avro fixed of {@link #decimalBytes} bytes (FIXED_LEN_BYTE_ARRAY, with min/max statistics: every engine's
     * reader takes it, Spark's vectorized one included). Contract version 2 (docs/decisions/0018).
     */
    DECIMAL(Type.FIXED, LogicalTypes.decimal(38), FIXED_LEN_BYTE_ARRAY, PLAIN, Types.NUMERIC, null) {
        @Override
        Schema schema(SourceColumn column) {
            return Decimals.fixedSchema(AvroMapping.avroName(column.name()), column.precision(), column.scale());
        }

        @Override
        public ValueBinder binder(Schema.Field field) {
            return Decimals.binder(nonNull(field.schema()));
        }
    },
    /** Version 1's numeric(p, s), Avro bytes (BYTE_ARRAY): never chosen today; its files are read and rewritten. */
    DECIMAL_BYTES(Type.BYTES, LogicalTypes.decimal(38), BINARY, PLAIN, Types.NUMERIC, null) {
        @Override
        public ValueBinder binder(Schema.Field field) {
            return Decimals.binder(nonNull(field.schema()));
        }
    },
    /** timestamptz: a UTC instant, in microseconds. */
    TIMESTAMPTZ(Type.LONG, LogicalTypes.timestampMicros(), INT64, PLAIN, Types.TIMESTAMP_WITH_TIMEZONE, v -> atUtc(v)),
    /** timestamp: the wall clock, in microseconds, as a local timestamp. */
    TIMESTAMP(Type.LONG, LogicalTypes.localTimestampMicros(), INT64, PLAIN, Types.TIMESTAMP, v -> wallClock(v)),
    /** date: days since 1970-01-01. */
    DATE(Type.INT, LogicalTypes.date(), INT32, PLAIN, Types.DATE, v -> LocalDate.ofEpochDay((Integer) v)),
    /** bytea. */
    BYTES(Type.BYTES, null, BINARY, PAYLOAD, Types.BINARY, ValueBinder::bytes),
    /** text, json and xml: unbounded text (json keeps its spacing). */
    TEXT(Type.STRING, null, BINARY, PAYLOAD, Types.VARCHAR, Object::toString),
    /**
     * varchar, char(n) (padded), name, enum labels, and as its text form every type no other codec takes
     * (interval, unconstrained numeric, inet, "char", …): values with few distinct ones.
     */
    SHORT_TEXT(Type.STRING, null, BINARY, DICTIONARY, Types.VARCHAR, Object::toString),
    /** jsonb, as its text. */
    JSONB(Type.STRING, null, BINARY, PAYLOAD, Types.VARCHAR, Object::toString),
    /** uuid, as its text (lower-case hex, 8-4-4-4-12) with Avro's uuid logical type. */
    UUID(Type.STRING, LogicalTypes.uuid(), BINARY, PLAIN, Types.VARCHAR, Object::toString),
    /**
     * Arrays of numbers, booleans and text ({@link PgArrays}): native three-level Parquet LISTs of optional
     * elements. Contract version 2; version 1 archived them as {@link #ARRAY}.
     */
    LIST(Type.ARRAY, null, null, PAYLOAD, Types.VARCHAR, v -> PgArrays.literal((List<?>) v)) {
        @Override
        Schema schema(SourceColumn column) {
            return PgArrays.schema(PgArrays.element(column.typeName()));
        }
    },
    /** Arrays of other elements (interval, uuid, numeric, dates, …), as their text form ({@code {a,"b c",NULL}}). */
    ARRAY(Type.STRING, null, BINARY, PAYLOAD, Types.VARCHAR, Object::toString);

    private static final Set<String> UNBOUNDED_TEXT = Set.of("text", "json", "xml");
    private static final Set<String> SHORT_TEXT_AS_IS = Set.of("varchar", "bpchar", "name"); // binary form = text

    private final Type avroType;
    private final LogicalType logicalType;
    private final PrimitiveTypeName primitive;
    private final ColumnEncoding encoding;
    private final int sqlType;
    private final Function<Object, Object> toJdbc;

    ColumnCodec(
            Type avroType,
            LogicalType logicalType,
            PrimitiveTypeName primitive,
            ColumnEncoding encoding,
            int sqlType,
            Function<Object, Object> toJdbc) {
        this.avroType = avroType;
        this.logicalType = logicalType;
        this.primitive = primitive;
        this.encoding = encoding;
        this.sqlType = sqlType;
        this.toJdbc = toJdbc;
    }

    /** Whether the codec only reads files of an older layout: {@link #of} never chooses it. */
    public boolean olderLayoutOnly() {
        return this == DECIMAL_BYTES;
    }

    /** The codec of a column as the catalog describes it. */
    static ColumnCodec of(SourceColumn column) {
        if ("A".equals(column.category())) {
            return PgArrays.element(column.typeName()) != null ? LIST : ARRAY;
        }
        if ("E".equals(column.category())) {
            return SHORT_TEXT;
        }
        return switch (column.typeName()) {
            case "int2", "int4" -> INT;
            case "int8" -> LONG;
            case "float4" -> FLOAT;
            case "float8" -> DOUBLE;
            case "bool" -> BOOLEAN;
            case "numeric" -> column.precision() >= 1 && column.precision() <= 38 ? DECIMAL : SHORT_TEXT;
            case "timestamptz" -> TIMESTAMPTZ;
            case "timestamp" -> TIMESTAMP;
            case "date" -> DATE;
            case "bytea" -> BYTES;
            case "jsonb" -> JSONB;
            case "uuid" -> UUID;
            default -> UNBOUNDED_TEXT.contains(column.typeName()) ? TEXT : SHORT_TEXT;
        };
    }

    /**
     * The codec that wrote a field of an archive file, from its Avro type and the PostgreSQL type it names
     * ({@link AvroMapping#PG_TYPE}); null for a field no codec writes (a record, an array, a union of types).
     */
    public static ColumnCodec archived(Schema.Field field) {
        Schema avro = nonNull(field.schema());
        String pgType = field.getProp(AvroMapping.PG_TYPE);
        for (ColumnCodec codec : values()) {
            if (avro != null
                    && avro.getType() == codec.avroType
                    && Objects.equals(logicalName(avro.getLogicalType()), logicalName(codec.logicalType))
                    && codec.archivedAs(pgType)) {
                return codec;
            }
        }
        return null;
    }

    /** Whether this codec writes the values of this PostgreSQL type, given their Avro type (several write strings). */
    private boolean archivedAs(String pgType) {
        return switch (this) {
            case TEXT -> pgType != null && UNBOUNDED_TEXT.contains(pgType);
            case JSONB -> "jsonb".equals(pgType);
            case ARRAY, LIST -> pgType != null && pgType.startsWith("_");
            case SHORT_TEXT -> !TEXT.archivedAs(pgType) && !JSONB.archivedAs(pgType) && !ARRAY.archivedAs(pgType);
            case INT, LONG, FLOAT, DOUBLE, BOOLEAN, DECIMAL, DECIMAL_BYTES, TIMESTAMPTZ, TIMESTAMP, DATE, BYTES, UUID ->
                true;
        };
    }

    /** The Avro type of the column's values (its field is the union of it with null when the column is nullable). */
    Schema schema(SourceColumn column) {
        Schema schema = Schema.create(avroType);
        return logicalType == null ? schema : logicalType.addToSchema(schema);
    }

    /** The Parquet primitive parquet-avro converts {@link #schema} to: what {@link #write} adds. */
    PrimitiveTypeName primitive() {
        return primitive;
    }

    /** What the writer keeps for the codec's columns. */
    ColumnEncoding encoding() {
        return encoding;
    }

    /** How the values of an archived field of this codec are bound on restore (with a cast to the column's type). */
    public ValueBinder binder(Schema.Field field) {
        return new ValueBinder(sqlType, toJdbc);
    }

    /**
     * Whether the export selects the column as its text output ({@code format('%s', …)}) rather than in its
     * binary send format: types archived as their text form whose binary form is not that text.
     */
    boolean selectsTextOutput(SourceColumn column) {
        return switch (this) {
            case TEXT -> "xml".equals(column.typeName());
            case SHORT_TEXT -> !"E".equals(column.category()) && !SHORT_TEXT_AS_IS.contains(column.typeName());
            case ARRAY -> true;
            case INT, LONG, FLOAT, DOUBLE, BOOLEAN, DECIMAL, DECIMAL_BYTES, TIMESTAMPTZ -> false;
            case TIMESTAMP, DATE, BYTES, JSONB, UUID, LIST -> false;
        };
    }

    /**
     * Writes the non-NULL field {@code field} of the current COPY row as parquet-avro writes the record value
     * {@link #value} gives (same Parquet type and bytes), without boxing it.
     */
    final void write(CopyRows row, int field, RecordConsumer out, SourceColumn column) throws SQLException {
        // A switch, not a method per constant: the export's hot loop then makes a call per field that the JIT
        // binds statically (overrides would be megamorphic); an expression, so it needs an arm for every codec.
        boolean written = switch (this) {
            case INT -> addInt(out, (int) row.integer(field));
            case LONG -> addLong(out, row.int64(field, "bigint"));
            case FLOAT -> addFloat(out, Float.intBitsToFloat(row.int32(field, "real")));
            case DOUBLE -> addDouble(out, Double.longBitsToDouble(row.int64(field, "double precision")));
            case BOOLEAN -> addBoolean(out, SendFormats.bool(row, field));
            case DECIMAL -> addBinary(out, Binary.fromConstantByteArray(Decimals.fixed(row, field, column)));
            case DECIMAL_BYTES ->
                addBinary(
                        out,
                        Binary.fromConstantByteArray(
                                Decimals.unscaled(SendFormats.numeric(row, field), column.scale())));
            case TIMESTAMPTZ, TIMESTAMP -> addLong(out, SendFormats.epochMicros(row, field));
            case DATE -> addInt(out, SendFormats.epochDay(row, field));
            case BYTES, TEXT, SHORT_TEXT, ARRAY -> addBinary(out, SendFormats.bytes(row, field));
            case JSONB -> addBinary(out, SendFormats.jsonb(row, field));
            case UUID -> addBinary(out, Binary.fromConstantByteArray(SendFormats.uuidText(row, field)));
            case LIST -> addList(row, field, out, column);
        };
    }

    /** The value an Avro record of the schema holds for the non-NULL field (text as {@link Utf8}). */
    final Object value(CopyRows row, int field, SourceColumn column) throws SQLException {
        return switch (this) {
            case INT -> (int) row.integer(field);
            case LONG -> row.int64(field, "bigint");
            case FLOAT -> Float.intBitsToFloat(row.int32(field, "real"));
            case DOUBLE -> Double.longBitsToDouble(row.int64(field, "double precision"));
            case BOOLEAN -> SendFormats.bool(row, field);
            case DECIMAL -> new GenericData.Fixed(schema(column), Decimals.fixed(row, field, column));
            case DECIMAL_BYTES -> ByteBuffer.wrap(Decimals.unscaled(SendFormats.numeric(row, field), column.scale()));
            case TIMESTAMPTZ, TIMESTAMP -> SendFormats.epochMicros(row, field);
            case DATE -> SendFormats.epochDay(row, field);
            case BYTES -> ByteBuffer.wrap(SendFormats.bytes(row, field).getBytes());
            case TEXT, SHORT_TEXT, ARRAY ->
                new Utf8(SendFormats.bytes(row, field).getBytes());
            case JSONB -> new Utf8(SendFormats.jsonb(row, field).getBytes());
            case UUID -> new Utf8(SendFormats.uuidText(row, field));
            case LIST -> PgArrays.value(row, field, PgArrays.element(column.typeName()));
        };
    }

    private static String logicalName(LogicalType logical) {
        return logical == null ? null : logical.getName();
    }

    /** The type of a field's values: itself, or the other branch of its union with null (null for other unions). */
    private static Schema nonNull(Schema schema) {
        if (schema.getType() != Type.UNION) {
            return schema;
        }
        List<Schema> types =
                schema.getTypes().stream().filter(s -> s.getType() != Type.NULL).toList();
        return types.size() == 1 ? types.get(0) : null;
    }
}
