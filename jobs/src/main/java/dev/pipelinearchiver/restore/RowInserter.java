package dev.pipelinearchiver.restore;

import dev.pipelinearchiver.parquet.AvroMapping;
import dev.pipelinearchiver.parquet.ColumnCodec;
import dev.pipelinearchiver.parquet.ValueBinder;
import dev.pipelinearchiver.source.SourceTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Inserts archived records into their table, each Avro value converted back to what the column held by
 * the {@link ColumnCodec} that wrote it (the inverse of {@link AvroMapping}). Every value is bound with a
 * cast to the column's current type, so text-form values (json, jsonb, uuid, arrays, enums, interval, unconstrained numeric, domains) are
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
    private record Bound(String field, ValueBinder binder, String sequence) {}

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
            fields.add(new Bound(field.name(), binder(field, table.source(), columnName), column.sequence()));
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

    /** How a file's field is bound: by the codec that wrote it; a field no codec writes fails the restore. */
    private static ValueBinder binder(Schema.Field field, SourceTable table, String column) {
        ColumnCodec codec = ColumnCodec.archived(field);
        if (codec == null) {
            throw new RestoreException("Cannot restore " + table + "." + column + ": the archive stores it as Avro "
                    + field.schema() + ", which the archiver never writes.");
        }
        return codec.binder(field);
    }
}
