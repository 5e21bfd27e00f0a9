package dev.pipelinearchiver.parquet;

import dev.pipelinearchiver.source.CopyRows;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import org.apache.parquet.io.api.Binary;

/**
 * The binary send formats of PostgreSQL's types that are more than a big-endian number, decoded in place
 * from a field of a binary COPY row ({@link CopyRows}) into what {@link ColumnCodec} archives: each fails
 * with an {@link SQLException} naming the field when its bytes are not what the type sends, or hold a
 * value no archive type holds (±infinity, NaN).
 */
final class SendFormats {

    private static final VarHandle INT16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    /** 2000-01-01, PostgreSQL's epoch, in days since 1970-01-01. */
    private static final int POSTGRES_EPOCH_DAY = 10_957;

    private static final int NUMERIC_POSITIVE = 0x0000;
    private static final int NUMERIC_NEGATIVE = 0x4000;
    private static final BigInteger TEN_THOUSAND = BigInteger.valueOf(10_000);
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private SendFormats() {}

    /** A boolean: one byte, 0 for false. */
    static boolean bool(CopyRows row, int field) throws SQLException {
        expectLength(row, field, 1, "boolean");
        return row.buffer()[row.offset(field)] != 0;
    }

    /** A date as days since 1970-01-01 (PostgreSQL counts from 2000-01-01); ±infinity fails. */
    static int epochDay(CopyRows row, int field) throws SQLException {
        int days = row.int32(field, "date");
        if (days == Integer.MIN_VALUE || days == Integer.MAX_VALUE) {
            throw new SQLException("Field " + field + " is the date " + (days < 0 ? "-" : "")
                    + "infinity, which has no calendar day to archive");
        }
        return Math.addExact(days, POSTGRES_EPOCH_DAY);
    }

    /**
     * A timestamp or timestamptz as microseconds since 1970-01-01 00:00 (UTC for timestamptz, the wall clock
     * for timestamp: PostgreSQL sends both as microseconds since 2000-01-01); ±infinity fails.
     */
    static long epochMicros(CopyRows row, int field) throws SQLException {
        long micros = row.int64(field, "timestamp");
        if (micros == Long.MIN_VALUE || micros == Long.MAX_VALUE) {
            throw new SQLException("Field " + field + " is the timestamp " + (micros < 0 ? "-" : "")
                    + "infinity, which has no instant to archive");
        }
        return Math.addExact(micros, POSTGRES_EPOCH_DAY * 86_400_000_000L);
    }

    /**
     * A numeric, exactly: its binary form is ndigits, weight, sign, dscale (2 bytes each), then ndigits
     * base-10000 digits, the first of weight {@code weight}. NaN and ±Infinity fail: no decimal holds them.
     */
    static BigDecimal numeric(CopyRows row, int field) throws SQLException {
        byte[] b = row.buffer();
        int o = row.offset(field);
        int length = row.length(field);
        int ndigits = length >= 8 ? (short) INT16.get(b, o) : -1;
        if (ndigits < 0 || length != 8 + 2 * ndigits) {
            throw new SQLException("Field " + field + " (" + length + " bytes) is not a numeric");
        }
        int weight = (short) INT16.get(b, o + 2);
        int sign = (short) INT16.get(b, o + 4) & 0xffff;
        if (sign != NUMERIC_POSITIVE && sign != NUMERIC_NEGATIVE) {
            throw new SQLException("Field " + field + " is a numeric NaN or infinity, which no decimal holds");
        }
        long small = 0;
        BigInteger large = null;
        for (int i = 0, p = o + 8; i < ndigits; i++, p += 2) {
            int digit = (short) INT16.get(b, p);
            if (large == null && small <= (Long.MAX_VALUE - 9_999) / 10_000) {
                small = small * 10_000 + digit;
            } else {
                large = (large == null ? BigInteger.valueOf(small) : large)
                        .multiply(TEN_THOUSAND)
                        .add(BigInteger.valueOf(digit));
            }
        }
        BigDecimal value =
                new BigDecimal(large == null ? BigInteger.valueOf(small) : large, 4 * (ndigits - 1 - weight));
        return sign == NUMERIC_NEGATIVE ? value.negate() : value;
    }

    /** A uuid (16 bytes) in its text form (lower-case hex, 8-4-4-4-12), as US-ASCII bytes. */
    static byte[] uuidText(CopyRows row, int field) throws SQLException {
        expectLength(row, field, 16, "uuid");
        byte[] b = row.buffer();
        byte[] text = new byte[36];
        for (int i = 0, t = 0, o = row.offset(field); i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                text[t++] = '-';
            }
            int v = b[o + i] & 0xff;
            text[t++] = HEX[v >>> 4];
            text[t++] = HEX[v & 0xf];
        }
        return text;
    }

    /**
     * The field's bytes where they are, as its archived value (bytea, and text in the client encoding, UTF8 for
     * pgjdbc): Parquet copies what it keeps beyond the call, so a row's array is not held by one small value.
     */
    static Binary bytes(CopyRows row, int field) {
        return Binary.fromReusedByteArray(row.buffer(), row.offset(field), row.length(field));
    }

    /** A jsonb's text, in place: after its format version byte, which must be 1. */
    static Binary jsonb(CopyRows row, int field) throws SQLException {
        if (row.length(field) < 1 || row.buffer()[row.offset(field)] != 1) {
            throw new SQLException("Field " + field + " is not a jsonb of format version 1");
        }
        return Binary.fromReusedByteArray(row.buffer(), row.offset(field) + 1, row.length(field) - 1);
    }

    private static void expectLength(CopyRows row, int field, int length, String type) throws SQLException {
        if (row.length(field) != length) {
            throw new SQLException(
                    "Field " + field + " is " + row.length(field) + " bytes, not a " + type + " (" + length + ")");
        }
    }
}
