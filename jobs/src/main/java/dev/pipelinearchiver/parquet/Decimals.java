package dev.pipelinearchiver.parquet;

import dev.pipelinearchiver.source.CopyRows;
import dev.pipelinearchiver.source.SourceColumn;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Arrays;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;

/**
 * The archive's decimals ({@link ColumnCodec#DECIMAL}): Avro fixed of the fewest bytes holding every unscaled
 * value of the precision (docs/decisions/0018), and version 1's Avro bytes ({@link ColumnCodec#DECIMAL_BYTES}).
 */
public final class Decimals {

    /** Namespace of the decimal columns' Avro fixed types (each named after its field). */
    public static final String NAMESPACE = AvroMapping.NAMESPACE + ".decimal";

    private Decimals() {}

    /** The fixed decimal type of a field: a named type, named after it, so two decimal columns never clash. */
    public static Schema fixedSchema(String fieldName, int precision, int scale) {
        Schema fixed = Schema.createFixed(fieldName, null, NAMESPACE, bytes(precision));
        return LogicalTypes.decimal(precision, scale).addToSchema(fixed);
    }

    /** The bytes of the smallest two's-complement integer that holds every unscaled value of {@code precision} digits. */
    public static int bytes(int precision) {
        return BigInteger.TEN.pow(precision).subtract(BigInteger.ONE).bitLength() / 8 + 1;
    }

    /** The unscaled two's-complement bytes of a decimal (setScale does not round: a value that does not fit fails). */
    public static byte[] unscaled(BigDecimal value, int scale) {
        return value.setScale(scale).unscaledValue().toByteArray();
    }

    /** The unscaled bytes sign-extended to {@code size}; a value that does not fit its precision fails. */
    public static byte[] fixed(BigDecimal value, int scale, int size) {
        byte[] unscaled = unscaled(value, scale);
        if (unscaled.length > size) {
            throw new ArithmeticException(value + " does not fit a decimal of " + size + " bytes");
        }
        byte[] fixed = new byte[size];
        Arrays.fill(fixed, 0, size - unscaled.length, (byte) (unscaled[0] < 0 ? -1 : 0));
        System.arraycopy(unscaled, 0, fixed, size - unscaled.length, unscaled.length);
        return fixed;
    }

    /** A numeric field of the COPY row as its column's fixed bytes. */
    static byte[] fixed(CopyRows row, int field, SourceColumn column) throws SQLException {
        return fixed(SendFormats.numeric(row, field), column.scale(), bytes(column.precision()));
    }

    /** Binds a decimal of a file, fixed or (version 1) bytes, as the BigDecimal of its field's scale. */
    static ValueBinder binder(Schema decimal) {
        int scale = ((LogicalTypes.Decimal) decimal.getLogicalType()).getScale();
        return new ValueBinder(
                Types.NUMERIC,
                v -> new BigDecimal(
                        new BigInteger(v instanceof GenericFixed f ? f.bytes() : ValueBinder.bytes(v)), scale));
    }
}
