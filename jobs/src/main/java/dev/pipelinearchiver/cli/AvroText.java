package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.parquet.AvroMapping;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;

/** An archived value as a person reads it: timestamps in UTC, decimals exact, bytes in hex, NULL as NULL. */
final class AvroText {

    static final String NULL = "NULL";

    private AvroText() {}

    static String of(Schema fieldSchema, Object value) {
        if (value == null) {
            return NULL;
        }
        Schema schema = AvroMapping.valueSchema(fieldSchema);
        LogicalType logical = schema.getLogicalType();
        if (logical instanceof LogicalTypes.TimestampMicros && value instanceof Long micros) {
            return instant(micros).toString();
        }
        if (logical instanceof LogicalTypes.TimestampMillis && value instanceof Long millis) {
            return Instant.ofEpochMilli(millis).toString();
        }
        if (logical instanceof LogicalTypes.LocalTimestampMicros && value instanceof Long micros) {
            return LocalDateTime.ofInstant(instant(micros), ZoneOffset.UTC).toString();
        }
        if (logical instanceof LogicalTypes.Date && value instanceof Integer days) {
            return LocalDate.ofEpochDay(days).toString();
        }
        if (logical instanceof LogicalTypes.Decimal decimal) {
            byte[] bytes = value instanceof ByteBuffer buffer
                    ? bytes(buffer)
                    : value instanceof GenericFixed fixed ? fixed.bytes() : null;
            if (bytes != null) {
                return new BigDecimal(new BigInteger(bytes), decimal.getScale()).toPlainString();
            }
        }
        if (value instanceof ByteBuffer buffer) {
            return "\\x" + HexFormat.of().formatHex(bytes(buffer));
        }
        if (value instanceof GenericFixed fixed) {
            return "\\x" + HexFormat.of().formatHex(fixed.bytes());
        }
        return value.toString(); // numbers, booleans, and Avro's Utf8 strings
    }

    /** At most {@code limit} characters on one line; a longer text ends with how long it was. */
    static String shorten(String text, int limit) {
        String oneLine = text.replaceAll("\\s*\\R\\s*", " ");
        if (oneLine.length() <= limit) {
            return oneLine;
        }
        return oneLine.substring(0, limit) + "… (" + text.length() + " chars)";
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
