package dev.pipelinearchiver.parquet;

import dev.pipelinearchiver.source.CopyRows;
import dev.pipelinearchiver.source.SourceColumn;
import dev.pipelinearchiver.source.SourceSchemaException;
import dev.pipelinearchiver.source.SourceTable;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * Maps a backend table to an Avro record schema (the files' schema, kept in their footer as parquet-avro
 * writes it, so that any Avro-aware reader reads them back as records) and writes the rows of a binary
 * COPY ({@link CopyRows}) into it without reflection: one precomputed column per field, written from
 * the bytes PostgreSQL sent straight to Parquet's record consumer by {@link RowWriteSupport} (no Avro
 * record in between), or read as the value an Avro record holds. Each column's type is its
 * {@link ColumnCodec}'s; NOT NULL columns are required fields, the others optional.
 */
public final class AvroMapping {

    /** Avro namespace of the archive's records: never a Java class name on the classpath. */
    public static final String NAMESPACE = "pipeline_archiver.avro";

    /** Name of the Avro field property holding the PostgreSQL column name and type. */
    public static final String PG_COLUMN = "pg.column";

    public static final String PG_TYPE = "pg.type";

    /** Record property holding the layout's version: absent in version 1 files (docs/decisions/0018). */
    public static final String VERSION = "version";

    /** Version 2: decimals as Avro fixed, arrays of mappable elements as lists (version 1: bytes, text). */
    public static final int CONTRACT_VERSION = 2;

    private final Schema schema;
    private final List<Column> columns;

    private AvroMapping(Schema schema, List<Column> columns) {
        this.schema = schema;
        this.columns = columns;
    }

    public static AvroMapping of(SourceTable table) {
        return of(table, List.of());
    }

    /**
     * The mapping of {@code table}, whose array columns listed in {@code arraysAsText} ({@code table.column},
     * archiver.source.arrays-as-text) are archived as PostgreSQL's array text, as version 1 archived every array.
     */
    public static AvroMapping of(SourceTable table, List<String> arraysAsText) {
        List<Schema.Field> fields = new ArrayList<>();
        List<Column> columns = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (SourceColumn column : table.columns()) {
            String fieldName = avroName(column.name());
            if (!names.add(fieldName)) {
                throw new IllegalStateException("Columns of " + table + " collide as Parquet field " + fieldName);
            }
            boolean asText = "A".equals(column.category()) && arraysAsText.contains(table.name() + "." + column.name());
            ColumnCodec codec = asText ? ColumnCodec.ARRAY : ColumnCodec.of(column);
            Schema type = codec.schema(column);
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
            columns.add(new Column(fieldName, columns.size(), codec, column, table));
        }
        Schema schema = Schema.createRecord(
                avroName(table.name()), "Archived rows of " + table.name(), NAMESPACE, false, fields);
        schema.addProp(VERSION, CONTRACT_VERSION);
        return new AvroMapping(schema, List.copyOf(columns));
    }

    public Schema schema() {
        return schema;
    }

    /** The value field {@code field} (0-based) of the current COPY row has in a record of the schema, or null. */
    public Object value(CopyRows row, int field) throws SQLException {
        return columns.get(field).value(row, field);
    }

    /**
     * Whether field {@code field}'s bytes in a COPY row are exactly the UTF-8 text its record value holds
     * (text, varchar, enum labels, text output), so that a reader may take them in place.
     */
    public boolean textInPlace(int field) {
        ColumnCodec codec = columns.get(field).codec;
        return codec == ColumnCodec.TEXT || codec == ColumnCodec.SHORT_TEXT || codec == ColumnCodec.ARRAY;
    }

    /** Whether field {@code field} is a smallint, integer or bigint, whose value {@link CopyRows#integer} reads. */
    public boolean integer(int field) {
        ColumnCodec codec = columns.get(field).codec;
        return codec == ColumnCodec.INT || codec == ColumnCodec.LONG;
    }

    /**
     * Whether the export selects this column as its text output ({@code format('%s', …)}) rather than in its
     * binary send format ({@link ColumnCodec#selectsTextOutput}).
     */
    public static boolean selectsTextOutput(SourceColumn column) {
        return ColumnCodec.of(column).selectsTextOutput(column);
    }

    /** Whether the export selects this column of the table as its text output (as {@link #selectsTextOutput}). */
    public boolean textOutput(SourceColumn column) {
        return columns.stream()
                .filter(c -> c.source.name().equals(column.name()))
                .anyMatch(c -> c.codec.selectsTextOutput(column));
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
     * An array the column's LIST cannot hold: an expected condition with a way out (a setting), so one line, as a
     * configuration failure, and no stack trace in the step's failure log.
     */
    public static final class UnfitArrayException extends SourceSchemaException {
        UnfitArrayException(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /**
     * One field: writes its value in the current COPY row to Parquet as parquet-avro writes the record value
     * {@link #value} gives, by its codec. A NULL writes nothing: the record consumer fills absent optional
     * fields with nulls.
     */
    static final class Column {

        final String name;
        final int index;
        final ColumnCodec codec;
        private final SourceColumn source;
        private final SourceTable table;

        private Column(String name, int index, ColumnCodec codec, SourceColumn source, SourceTable table) {
            this.name = name;
            this.index = index;
            this.codec = codec;
            this.source = source;
            this.table = table;
        }

        void write(CopyRows row, int field, RecordConsumer out) throws SQLException {
            if (row.isNull(field)) {
                return;
            }
            out.startField(name, index);
            try {
                codec.write(row, field, out, source);
            } catch (PgArrays.UnfitArray e) {
                throw unfit(row, e);
            }
            out.endField(name, index);
        }

        /** The value an Avro record of the schema holds for the field (text as Avro's Utf8), null for NULL. */
        Object value(CopyRows row, int field) throws SQLException {
            try {
                return row.isNull(field) ? null : codec.value(row, field, source);
            } catch (PgArrays.UnfitArray e) {
                throw unfit(row, e);
            }
        }

        private UnfitArrayException unfit(CopyRows row, PgArrays.UnfitArray e) {
            String column = table.name() + "." + source.name();
            String run; // the export's COPY has the run key after the table's columns
            try {
                run = " (run " + row.integer(table.columns().size()) + ")";
            } catch (SQLException | RuntimeException notAnInteger) {
                run = "";
            }
            return new UnfitArrayException(column + " holds " + e.getMessage() + run
                    + ", which a Parquet LIST (one dimension, counted from 1) cannot hold, so the export of its batch"
                    + " stopped and none of the batch's runs was deleted: list " + column
                    + " in archiver.source.arrays-as-text to archive that column as PostgreSQL's array text, then"
                    + " relaunch.");
        }
    }

    /** The type of an archived field's values: the non-null branch of its union with null, or the schema itself. */
    public static Schema valueSchema(Schema schema) {
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        return schema.getTypes().stream()
                .filter(s -> s.getType() != Schema.Type.NULL)
                .findFirst()
                .orElse(schema);
    }
}
