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
import java.util.Set;
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

    /**
     * Whether a file of this schema has a field only an older layout writes so (decimal bytes, array text);
     * {@code keepText}: the columns (PostgreSQL names) archiver.source.arrays-as-text keeps as array text.
     */
    public static boolean needed(Schema schema, Set<String> keepText) {
        return schema.getFields().stream().anyMatch(field -> {
            ColumnCodec codec = ColumnCodec.archived(field);
            return codec != null && codec.olderLayoutOnly() || textList(schema, field, keepText) != null;
        });
    }

    /**
     * The element of a version 1 field holding arrays as text that today's layout holds as a list, else null:
     * a later version's array text is deliberate (arrays-as-text), and so is a column listed in {@code keepText}.
     */
    private static PgArrays.Element textList(Schema record, Schema.Field field, Set<String> keepText) {
        String pgType = field.getProp(AvroMapping.PG_TYPE);
        return ColumnCodec.archived(field) == ColumnCodec.ARRAY
                        && pgType != null
                        && record.getObjectProp(AvroMapping.VERSION) == null
                        && !keepText.contains(field.getProp(AvroMapping.PG_COLUMN))
                ? PgArrays.element(pgType)
                : null;
    }

    /** The schema of today's layout for a file of {@code old}: same fields, names and properties. */
    public static Schema schema(Schema old, Set<String> keepText) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field field : old.getFields()) {
            Schema.Field upgraded =
                    new Schema.Field(field.name(), type(old, field, keepText), field.doc(), field.defaultVal());
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
    public static GenericRecord record(GenericRecord old, Schema schema, Set<String> keepText) {
        GenericData.Record record = new GenericData.Record(schema);
        for (Schema.Field field : old.getSchema().getFields()) {
            Object value = old.get(field.pos());
            ColumnCodec codec = ColumnCodec.archived(field);
            if (value != null && codec == ColumnCodec.DECIMAL_BYTES) {
                Schema fixed =
                        AvroMapping.valueSchema(schema.getField(field.name()).schema());
                LogicalTypes.Decimal decimal = (LogicalTypes.Decimal) fixed.getLogicalType();
                BigDecimal number = new BigDecimal(new BigInteger(ValueBinder.bytes(value)), decimal.getScale());
                value = new GenericData.Fixed(fixed, Decimals.fixed(number, decimal.getScale(), fixed.getFixedSize()));
            }
            PgArrays.Element element = textList(old.getSchema(), field, keepText);
            if (value != null && element != null) {
                value = PgArrays.parse(value.toString(), element);
            }
            record.put(field.name(), value);
        }
        return record;
    }

    /** Rows and a SHA-256 of every value of a file as restore would bind it, whatever the file's layout. */
    public record Values(long rows, String sha256) {}

    public static Values values(ParquetReader<GenericRecord> reader, Set<String> keepText) throws IOException {
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
                PgArrays.Element element = textList(record.getSchema(), fields.get(i), keepText);
                String text = value == null
                        ? "\u0000NULL"
                        : element != null
                                ? PgArrays.literal(parse(fields.get(i), value, element)) // as its list binds it
                                : canonical(binders.get(i).convert().apply(value));
                byte[] bytes =
                        (fields.get(i).name() + "=" + text.length() + ":" + text).getBytes(StandardCharsets.UTF_8);
                digest.update(bytes);
            }
            digest.update((byte) '\n');
        }
        return new Values(rows, HexFormat.of().formatHex(digest.digest()));
    }

    /** A version 1 array text that a LIST cannot hold (several dimensions, other bounds), in the column named. */
    public static final class UnfitTextArray extends IllegalArgumentException {
        private final String column;

        UnfitTextArray(String column, String message) {
            super(message);
            this.column = column;
        }

        public String column() {
            return column;
        }
    }

    private static List<Object> parse(Schema.Field field, Object text, PgArrays.Element element) {
        try {
            return PgArrays.parse(text.toString(), element);
        } catch (IllegalArgumentException e) {
            throw new UnfitTextArray(field.getProp(AvroMapping.PG_COLUMN), e.getMessage());
        }
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

    private static Schema type(Schema record, Schema.Field field, Set<String> keepText) {
        PgArrays.Element element = textList(record, field, keepText);
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
                (LogicalTypes.Decimal) AvroMapping.valueSchema(field.schema()).getLogicalType();
        Schema fixed = Decimals.fixedSchema(field.name(), decimal.getPrecision(), decimal.getScale());
        return field.schema().isUnion() ? Schema.createUnion(Schema.create(Schema.Type.NULL), fixed) : fixed;
    }
}
