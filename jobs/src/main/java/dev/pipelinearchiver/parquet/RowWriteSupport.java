package dev.pipelinearchiver.parquet;

import dev.pipelinearchiver.source.CopyRows;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Writes the current row of a binary COPY ({@link CopyRows}) as one Parquet record of an
 * {@link AvroMapping}'s schema, field by field, straight from the bytes PostgreSQL sent. The file is what
 * parquet-avro's writer makes of the same rows turned into Avro records (same Parquet schema, converted
 * from the Avro one by parquet-avro, the Avro schema in the footer, same values), without building those
 * records: the Avro layer (records, boxed values, per-value schema resolution) was a quarter of the
 * export's Java samples.
 */
final class RowWriteSupport extends WriteSupport<CopyRows> {

    /** The footer key under which parquet-avro keeps the Avro schema (its readers use it). */
    static final String AVRO_SCHEMA_KEY = "parquet.avro.schema";

    private final AvroMapping mapping;
    private final AvroMapping.Column[] columns;
    private RecordConsumer out;

    RowWriteSupport(AvroMapping mapping) {
        this.mapping = mapping;
        this.columns = mapping.columns().toArray(AvroMapping.Column[]::new);
    }

    @Override
    public WriteContext init(Configuration configuration) {
        MessageType schema = new AvroSchemaConverter(configuration).convert(mapping.schema());
        checkColumns(schema);
        return new WriteContext(schema, Map.of(AVRO_SCHEMA_KEY, mapping.schema().toString()));
    }

    /** "avro", as parquet-avro's writer names its files' object model (footer key writer.model.name). */
    @Override
    public String getName() {
        return "avro";
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
        this.out = recordConsumer;
    }

    @Override
    public void write(CopyRows row) {
        out.startMessage();
        try {
            for (int i = 0; i < columns.length; i++) {
                columns[i].write(row, i, out);
            }
        } catch (SQLException e) {
            throw new RowReadException(e);
        }
        out.endMessage();
    }

    /** A field that could not be decoded while Parquet held the row ({@link #write} cannot throw SQLException). */
    static final class RowReadException extends RuntimeException {
        RowReadException(SQLException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Every field is the flat primitive column its writer writes: fails at the first file, not with odd bytes. */
    private void checkColumns(MessageType schema) {
        List<Type> fields = schema.getFields();
        if (fields.size() != columns.length) {
            throw new IllegalStateException("Parquet schema of "
                    + mapping.schema().getName() + " has " + fields.size() + " fields, the mapping " + columns.length);
        }
        for (AvroMapping.Column column : columns) {
            Type field = fields.get(column.index);
            PrimitiveTypeName expected = column.codec.primitive();
            boolean list = column.codec == ColumnCodec.LIST; // a three-level LIST group (PgArrays)
            if (!field.getName().equals(column.name)
                    || field.isPrimitive() == list
                    || (list
                            ? !LogicalTypeAnnotation.listType().equals(field.getLogicalTypeAnnotation())
                            : field.asPrimitiveType().getPrimitiveTypeName() != expected)) {
                throw new IllegalStateException("Parquet field " + column.index + " of "
                        + mapping.schema().getName() + " is " + field + ", not " + expected + " " + column.name);
            }
        }
    }
}
