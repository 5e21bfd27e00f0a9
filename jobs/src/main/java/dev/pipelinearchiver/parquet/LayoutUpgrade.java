package dev.pipelinearchiver.parquet;

import dev.pipelinearchiver.storage.ArchiveStorage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetReader;

/**
 * Files of an older layout (contract version 1: decimals as Avro bytes) in today's layout: the schema and
 * records they convert to, and a checksum of a file's values that does not depend on its layout (each value
 * as its codec binds it back into PostgreSQL), so that a rewritten file is shown to hold what the old one held.
 */
public final class LayoutUpgrade {

    private LayoutUpgrade() {}

    /** Whether a file of this schema has a field only an older layout writes so (decimal bytes, array text). */
    public static boolean needed(Schema schema) {
        return schema.getFields().stream().anyMatch(field -> {
            ColumnCodec codec = ColumnCodec.archived(field);
            return codec != null && codec.olderLayoutOnly() || textList(field) != null;
        });
    }

    /** The element of a field holding arrays as text that today's layout holds as a list, else null. */
    private static PgArrays.Element textList(Schema.Field field) {
        String pgType = field.getProp(AvroMapping.PG_TYPE);
        return ColumnCodec.archived(field) == ColumnCodec.ARRAY && pgType != null ? PgArrays.element(pgType) : null;
    }

    /** The schema of today's layout for a file of {@code old}: same fields, names and properties. */
    public static Schema schema(Schema old) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field field : old.getFields()) {
            Schema.Field upgraded = new Schema.Field(field.name(), type(field), field.doc(), field.defaultVal());
            field.getObjectProps().forEach(upgraded::addProp);
            fields.add(upgraded);
        }
        Schema schema = Schema.createRecord(old.getName(), old.getDoc(), old.getNamespace(), false, fields);
        old.getObjectProps().forEach((key, value) -> {
            if (!key.equals(AvroMapping.VERSION)) {
                schema.addProp(key, value);
            }
        });
        schema.addProp(AvroMapping.VERSION, AvroMapping.CONTRACT_VERSION);
        return schema;
    }

    /** A record of the old layout as a record of {@code schema} (its {@link #schema}). */
    public static GenericRecord record(GenericRecord old, Schema schema) {
        GenericData.Record record = new GenericData.Record(schema);
        for (Schema.Field field : old.getSchema().getFields()) {
            Object value = old.get(field.pos());
            ColumnCodec codec = ColumnCodec.archived(field);
            if (value != null && codec == ColumnCodec.DECIMAL_BYTES) {
                Schema fixed = nonNull(schema.getField(field.name()).schema());
                LogicalTypes.Decimal decimal = (LogicalTypes.Decimal) fixed.getLogicalType();
                BigDecimal number = new BigDecimal(new BigInteger(ValueBinder.bytes(value)), decimal.getScale());
                value = new GenericData.Fixed(fixed, Decimals.fixed(number, decimal.getScale(), fixed.getFixedSize()));
            }
            PgArrays.Element element = textList(field);
            if (value != null && element != null) {
                value = PgArrays.parse(value.toString(), element);
            }
            record.put(field.name(), value);
        }
        return record;
    }

    /** Rows and a SHA-256 of every value of a file as restore would bind it, whatever the file's layout. */
    public record Values(long rows, String sha256) {}

    public static Values values(ParquetReader<GenericRecord> reader) throws IOException {
        MessageDigest digest = Sha256.newDigest();
        long rows = 0;
        List<ValueBinder> binders = null;
        for (GenericRecord record; (record = reader.read()) != null; rows++) {
            List<Schema.Field> fields = record.getSchema().getFields();
            if (binders == null) {
                binders = fields.stream()
                        .map(field -> ColumnCodec.archived(field).binder(field))
                        .toList();
            }
            for (int i = 0; i < fields.size(); i++) {
                Object value = record.get(i);
                PgArrays.Element element = textList(fields.get(i));
                String text = value == null
                        ? "\u0000NULL"
                        : element != null
                                ? PgArrays.literal(PgArrays.parse(value.toString(), element)) // as its list binds it
                                : canonical(binders.get(i).convert().apply(value));
                byte[] bytes =
                        (fields.get(i).name() + "=" + text.length() + ":" + text).getBytes(StandardCharsets.UTF_8);
                digest.update(bytes);
            }
            digest.update((byte) '\n');
        }
        return new Values(rows, HexFormat.of().formatHex(digest.digest()));
    }

    /**
     * Copies a file of the archive byte for byte to another location, which it appears at complete or not at
     * all (checked: its length and footer rows); returns what was written, with its SHA-256.
     */
    public static WrittenFile copy(ParquetArchive archive, String from, String to, long rows) throws IOException {
        try (ArchiveStorage.NewFile file = archive.storage().create(to)) {
            DigestingOutputFile output = new DigestingOutputFile(file.output());
            try (InputStream in = archive.storage().open(from).newStream();
                    OutputStream out = output.create(0)) {
                in.transferTo(out);
            }
            file.publish(written -> {
                if (written.getLength() != output.bytes() || archive.footerRows(written) != rows) {
                    throw new IOException("The copy of " + from + " at " + to + " is not complete");
                }
            });
            return new WrittenFile(to, rows, output.bytes(), output.sha256());
        }
    }

    private static String canonical(Object jdbcValue) {
        return jdbcValue instanceof byte[] bytes ? HexFormat.of().formatHex(bytes) : String.valueOf(jdbcValue);
    }

    private static Schema type(Schema.Field field) {
        PgArrays.Element element = textList(field);
        if (element != null) {
            return field.schema().isUnion()
                    ? Schema.createUnion(Schema.create(Schema.Type.NULL), PgArrays.schema(element))
                    : PgArrays.schema(element);
        }
        ColumnCodec codec = ColumnCodec.archived(field);
        if (codec != ColumnCodec.DECIMAL_BYTES) {
            return field.schema();
        }
        LogicalTypes.Decimal decimal =
                (LogicalTypes.Decimal) nonNull(field.schema()).getLogicalType();
        Schema fixed = Decimals.fixedSchema(field.name(), decimal.getPrecision(), decimal.getScale());
        return field.schema().isUnion() ? Schema.createUnion(Schema.create(Schema.Type.NULL), fixed) : fixed;
    }

    private static Schema nonNull(Schema schema) {
        return schema.isUnion()
                ? schema.getTypes().stream()
                        .filter(s -> s.getType() != Schema.Type.NULL)
                        .findFirst()
                        .orElseThrow()
                : schema;
    }
}
