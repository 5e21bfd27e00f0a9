package dev.pipelinearchiver.restore;

import dev.pipelinearchiver.parquet.AvroMapping;
import dev.pipelinearchiver.source.SourceTable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Inserts archived records into their table, each Avro value converted back to what the column held:
 * the inverse of {@link AvroMapping}. Every value is bound with a cast to the column's current type, so
 * text-form values (json, jsonb, uuid, arrays, enums, interval, unconstrained numeric, domains) are
 * parsed by PostgreSQL exactly as it parses its own text output. Rows are sent in JDBC batches bounded
 * by count and by bytes, so huge payloads do not pile up in memory.
 */
final class RowInserter implements AutoCloseable {

    private static final int MAX_BATCH_ROWS = 500;
    private static final long MAX_BATCH_BYTES = 8L << 20;

    private final PreparedStatement insert;
    private final List<Bound> bound;
    private final Map<String, Long> sequenceMaxima = new HashMap<>();
    private int pendingRows;
    private long pendingBytes;
    private long rows;

    /** A file field and how it goes into its column. */
    private record Bound(String field, Binder binder, String sequence) {}

    /**
     * @param notes receives a sentence for each column the file does not hold (it gets its default)
     * @throws RestoreException when the file holds a column the table no longer has
     */
    RowInserter(Connection con, TargetTable table, Schema fileSchema, Collection<String> notes) throws SQLException {
        List<Bound> fields = new ArrayList<>();
        List<String> columns = new ArrayList<>();
        List<String> values = new ArrayList<>();
        boolean overriding = false;
        for (Schema.Field field : fileSchema.getFields()) {
            String columnName =
                    field.getProp(AvroMapping.PG_COLUMN) != null ? field.getProp(AvroMapping.PG_COLUMN) : field.name();
            TargetTable.Column column = table.column(columnName)
                    .orElseThrow(() -> new RestoreException("Cannot restore into " + table.source()
                            + ": the archive holds column \"" + columnName + "\", which the table no longer has."));
            if (column.generated()) {
                continue; // PostgreSQL computes it again from the restored columns
            }
            overriding |= column.identityAlways();
            fields.add(
                    new Bound(field.name(), Binder.of(field.schema(), table.source(), columnName), column.sequence()));
            columns.add(SourceTable.quote(columnName));
            values.add("CAST(? AS " + column.type() + ")");
        }
        for (TargetTable.Column column : table.columns()) {
            if (!column.generated()
                    && fileSchema.getFields().stream()
                            .noneMatch(f -> column.name()
                                    .equals(
                                            f.getProp(AvroMapping.PG_COLUMN) != null
                                                    ? f.getProp(AvroMapping.PG_COLUMN)
                                                    : f.name()))) {
                notes.add(table.source() + "." + column.name()
                        + " is not in the archive (added since?): restored rows get its default.");
            }
        }
        String sql = "INSERT INTO " + table.source().qualifiedName() + " (" + String.join(", ", columns) + ")"
                + (overriding ? " OVERRIDING SYSTEM VALUE" : "") + " VALUES (" + String.join(", ", values) + ")";
        this.insert = con.prepareStatement(sql);
        this.bound = List.copyOf(fields);
    }

    void insert(GenericRecord record) throws SQLException {
        for (int i = 0; i < bound.size(); i++) {
            Bound field = bound.get(i);
            Object value = record.get(field.field());
            pendingBytes += field.binder().bind(insert, i + 1, value);
            if (field.sequence() != null && value instanceof Number number) {
                sequenceMaxima.merge(field.sequence(), number.longValue(), Math::max);
            }
        }
        insert.addBatch();
        rows++;
        if (++pendingRows >= MAX_BATCH_ROWS || pendingBytes >= MAX_BATCH_BYTES) {
            flush();
        }
    }

    /** Sends the rows still pending; returns the rows inserted in all. */
    long finish() throws SQLException {
        flush();
        return rows;
    }

    /** The highest value inserted into each serial or identity sequence's column. */
    Map<String, Long> sequenceMaxima() {
        return sequenceMaxima;
    }

    private void flush() throws SQLException {
        if (pendingRows > 0) {
            insert.executeBatch();
            pendingRows = 0;
            pendingBytes = 0;
        }
    }

    @Override
    public void close() throws SQLException {
        insert.close();
    }

    /**
     * Binds one Avro value as a parameter: the value converted to its JDBC type, or a NULL of that type
     * (typed, so that every row of the prepared statement has the same parameter types).
     */
    private record Binder(int sqlType, Function<Object, Object> convert) {

        /** Returns roughly how many bytes the value adds to the pending batch. */
        long bind(PreparedStatement ps, int index, Object value) throws SQLException {
            if (value == null) {
                ps.setNull(index, sqlType);
                return 8;
            }
            Object converted = convert.apply(value);
            ps.setObject(index, converted, sqlType);
            if (converted instanceof String s) {
                return 2L * s.length();
            }
            return converted instanceof byte[] b ? b.length : 8;
        }

        static Binder of(Schema fieldSchema, SourceTable table, String column) {
            Schema schema = nonNull(fieldSchema);
            LogicalType logical = schema.getLogicalType();
            return switch (schema.getType()) {
                case INT ->
                    logical instanceof LogicalTypes.Date
                            ? new Binder(Types.DATE, v -> LocalDate.ofEpochDay((Integer) v))
                            : new Binder(Types.INTEGER, v -> v);
                case LONG -> {
                    if (logical instanceof LogicalTypes.TimestampMicros) {
                        yield new Binder(
                                Types.TIMESTAMP_WITH_TIMEZONE,
                                v -> instant((Long) v).atOffset(ZoneOffset.UTC));
                    }
                    if (logical instanceof LogicalTypes.LocalTimestampMicros) {
                        yield new Binder(
                                Types.TIMESTAMP, v -> LocalDateTime.ofInstant(instant((Long) v), ZoneOffset.UTC));
                    }
                    yield new Binder(Types.BIGINT, v -> v);
                }
                case FLOAT -> new Binder(Types.REAL, v -> v);
                case DOUBLE -> new Binder(Types.DOUBLE, v -> v);
                case BOOLEAN -> new Binder(Types.BOOLEAN, v -> v);
                case BYTES -> {
                    if (logical instanceof LogicalTypes.Decimal decimal) {
                        int scale = decimal.getScale(); // the scale is in the schema, not in the bytes
                        yield new Binder(
                                Types.NUMERIC, v -> new BigDecimal(new BigInteger(bytes((ByteBuffer) v)), scale));
                    }
                    yield new Binder(Types.BINARY, v -> bytes((ByteBuffer) v));
                }
                case STRING -> new Binder(Types.VARCHAR, Object::toString); // Avro's Utf8, or a String
                default ->
                    throw new RestoreException("Cannot restore " + table + "." + column
                            + ": the archive stores it as Avro " + schema + ", which the archiver never writes.");
            };
        }

        private static Schema nonNull(Schema schema) {
            if (schema.getType() != Schema.Type.UNION) {
                return schema;
            }
            List<Schema> types = schema.getTypes().stream()
                    .filter(s -> s.getType() != Schema.Type.NULL)
                    .toList();
            if (types.size() != 1) {
                throw new RestoreException("Unexpected Avro union " + schema + " in an archive file.");
            }
            return types.get(0);
        }

        private static Instant instant(long micros) {
            return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
        }

        private static byte[] bytes(ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            return bytes;
        }
    }
}
