package dev.pipelinearchiver.contract;

import dev.pipelinearchiver.parquet.AvroMapping;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * A column's SQL type in an engine's dialect, from the Avro type the archive's files hold (the codecs of
 * {@code parquet.ColumnCodec}): the type an engine reads that Parquet column as, so a definition never
 * asks an engine to convert. A nullable field is a union with null; its SQL type is that of the other branch.
 */
final class ColumnTypes {

    /** The two families of type names: Hive's (Spark SQL, Hive, Athena DDL) and Trino's. */
    enum Dialect {
        HIVE,
        TRINO
    }

    private ColumnTypes() {}

    /**
     * @throws IllegalArgumentException for an Avro type the archiver never writes
     */
    static String of(Schema.Field field, Dialect dialect) {
        return type(field.name(), field.schema(), dialect);
    }

    private static String type(String name, Schema nullable, Dialect dialect) {
        Schema schema = AvroMapping.valueSchema(nullable);
        LogicalType logical = schema.getLogicalType();
        boolean hive = dialect == Dialect.HIVE;
        if (logical instanceof LogicalTypes.Decimal decimal) {
            return "DECIMAL(" + decimal.getPrecision() + "," + decimal.getScale() + ")";
        }
        if (logical instanceof LogicalTypes.Date) {
            return "DATE";
        }
        if (logical instanceof LogicalTypes.TimestampMicros
                || logical instanceof LogicalTypes.TimestampMillis
                || logical instanceof LogicalTypes.LocalTimestampMicros
                || logical instanceof LogicalTypes.LocalTimestampMillis) {
            return "TIMESTAMP";
        }
        return switch (schema.getType()) {
            case INT -> hive ? "INT" : "INTEGER";
            case LONG -> "BIGINT";
            case FLOAT -> hive ? "FLOAT" : "REAL";
            case DOUBLE -> "DOUBLE";
            case BOOLEAN -> "BOOLEAN";
            case STRING, ENUM -> hive ? "STRING" : "VARCHAR";
            case BYTES, FIXED -> hive ? "BINARY" : "VARBINARY";
            case ARRAY -> {
                String element = type(name, schema.getElementType(), dialect);
                yield hive ? "ARRAY<" + element + ">" : "ARRAY(" + element + ")";
            }
            case RECORD -> {
                List<String> fields = new ArrayList<>();
                for (Schema.Field field : schema.getFields()) {
                    String type = type(field.name(), field.schema(), dialect);
                    fields.add(
                            hive
                                    ? TableDefinitions.backticked(field.name()) + ":" + type
                                    : TableDefinitions.quoted(field.name()) + " " + type);
                }
                yield hive ? "STRUCT<" + String.join(", ", fields) + ">" : "ROW(" + String.join(", ", fields) + ")";
            }
            default ->
                throw new IllegalArgumentException("The field " + name + " is stored as Avro "
                        + schema.getType().getName().toLowerCase(Locale.ROOT) + ", which has no "
                        + dialect.name().toLowerCase(Locale.ROOT) + " column type here.");
        };
    }
}
