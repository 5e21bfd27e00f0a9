package dev.pipelinearchiver.source;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

/**
 * The rows of a {@code COPY (SELECT …) TO STDOUT (FORMAT binary)}, one at a time: each field is a slice
 * of the bytes PostgreSQL sent (its binary send format), read in place, without the driver decoding
 * values into objects, and text reaches Parquet as a slice of that message. Against the cursor it
 * replaced, both the job and PostgreSQL spend less CPU on the same rows, and no fetch of many wide
 * rows is ever held at once (docs/decisions/0001-binary-copy-export.md).
 *
 * <p>The server sends one row per CopyData message (the file header comes with the first): the bytes of
 * a row are then the driver's fresh array for that message, never written to again. Any other framing
 * is parsed too (a row split across messages is joined), so nothing depends on it but speed.
 *
 * <p>Closing before the end reads the COPY to its end, so the connection (and its transaction) stay usable.
 */
public final class CopyRows implements AutoCloseable {

    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};
    private static final int HEADER_BYTES = SIGNATURE.length + 4 + 4; // signature, flags, header extension length
    private static final VarHandle INT16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /** 2000-01-01, PostgreSQL's epoch, in days since 1970-01-01. */
    private static final int POSTGRES_EPOCH_DAY = 10_957;

    private static final int NUMERIC_POSITIVE = 0x0000;
    private static final int NUMERIC_NEGATIVE = 0x4000;
    private static final BigInteger TEN_THOUSAND = BigInteger.valueOf(10_000);
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final CopyOut copy;
    private final int fields;
    private final int[] offsets;
    private final int[] lengths;
    private byte[] buffer = new byte[0];
    private int position;
    private int end;
    private boolean headerRead;
    private boolean trailerRead;
    private boolean done;
    private long rows;

    CopyRows(CopyOut copy, int fields) {
        this.copy = copy;
        this.fields = fields;
        this.offsets = new int[fields];
        this.lengths = new int[fields];
    }

    /** Starts {@code copySql} (a binary COPY TO STDOUT) on the connection, in its current transaction; every row must have {@code fields} fields. */
    public static CopyRows start(Connection con, String copySql, int fields) throws SQLException {
        return new CopyRows(con.unwrap(PGConnection.class).getCopyAPI().copyOut(copySql), fields);
    }

    /** Moves to the next row; false at the end of the COPY (after which the server has confirmed it complete). */
    public boolean next() throws SQLException {
        while (!done) {
            if (!trailerRead && parseRow()) {
                rows++;
                return true;
            }
            byte[] message = copy.readFromCopy();
            if (message == null) {
                if (!trailerRead) {
                    throw new SQLException("The binary COPY ended without its trailer after " + rows + " rows");
                }
                long counted = copy.getHandledRowCount();
                if (counted != rows) {
                    throw new SQLException("The binary COPY reported " + counted + " rows, " + rows + " were read");
                }
                done = true;
                return false;
            }
            if (trailerRead) {
                throw new SQLException("The binary COPY sent data after its trailer");
            }
            append(message);
        }
        return false;
    }

    /** Parses one row (or the header and one row, or the trailer) from the bytes at hand; false when they end first. */
    private boolean parseRow() throws SQLException {
        int p = position;
        if (!headerRead) {
            if (end - p < HEADER_BYTES) {
                return false;
            }
            if (!Arrays.equals(buffer, p, p + SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)) {
                throw new SQLException("Not a binary COPY stream (no PGCOPY signature)");
            }
            int flags = int32(p + SIGNATURE.length);
            if ((flags & 0xffff) != 0 || (flags & (1 << 16)) != 0) {
                throw new SQLException("Binary COPY flags " + Integer.toHexString(flags) + " are not understood");
            }
            int extension = int32(p + SIGNATURE.length + 4);
            if (end - p - HEADER_BYTES < extension) {
                return false;
            }
            position = p = p + HEADER_BYTES + extension;
            headerRead = true;
        }
        if (end - p < 2) {
            return false;
        }
        short count = (short) INT16.get(buffer, p);
        p += 2;
        if (count == -1) {
            trailerRead = true;
            position = p;
            return false;
        }
        if (count != fields) {
            throw new SQLException("A binary COPY row has " + count + " fields, " + fields + " were selected");
        }
        for (int i = 0; i < fields; i++) {
            if (end - p < 4) {
                return false;
            }
            int length = int32(p);
            p += 4;
            if (length > end - p) {
                return false;
            }
            offsets[i] = p;
            lengths[i] = length; // -1: NULL
            p += Math.max(length, 0);
        }
        position = p;
        return true;
    }

    private void append(byte[] message) {
        if (position == end) {
            buffer = message; // the usual case: a row per message, read in place
        } else {
            byte[] joined = Arrays.copyOfRange(buffer, position, end + message.length);
            System.arraycopy(message, 0, joined, end - position, message.length);
            buffer = joined;
        }
        position = 0;
        end = buffer.length;
    }

    /** The bytes holding the current row's fields; a later row may be in another array (never in this one rewritten). */
    public byte[] buffer() {
        return buffer;
    }

    /** Where field {@code field} (0-based) of the current row starts in {@link #buffer()}. */
    public int offset(int field) {
        return offsets[field];
    }

    /** The length of field {@code field} (0-based) of the current row in bytes, -1 for NULL. */
    public int length(int field) {
        return lengths[field];
    }

    public boolean isNull(int field) {
        return lengths[field] < 0;
    }

    /** A smallint, integer or bigint field as a long (by its width). */
    public long integer(int field) throws SQLException {
        return switch (lengths[field]) {
            case 2 -> (short) INT16.get(buffer, offsets[field]);
            case 4 -> int32(offsets[field]);
            case 8 -> (long) INT64.get(buffer, offsets[field]);
            default -> throw new SQLException("Field " + field + " is " + lengths[field] + " bytes, not an integer");
        };
    }

    /** A 4-byte field (integer, real, date) as its big-endian bits. */
    public int int32(int field, String type) throws SQLException {
        expectLength(field, 4, type);
        return int32(offsets[field]);
    }

    /** An 8-byte field (bigint, double precision, timestamp) as its big-endian bits. */
    public long int64(int field, String type) throws SQLException {
        expectLength(field, 8, type);
        return (long) INT64.get(buffer, offsets[field]);
    }

    public boolean bool(int field) throws SQLException {
        expectLength(field, 1, "boolean");
        return buffer[offsets[field]] != 0;
    }

    /** A date as days since 1970-01-01 (PostgreSQL counts from 2000-01-01); ±infinity fails. */
    public int epochDay(int field) throws SQLException {
        int days = int32(field, "date");
        if (days == Integer.MIN_VALUE || days == Integer.MAX_VALUE) {
            throw new SQLException("Field " + field + " is the date " + (days < 0 ? "-" : "")
                    + "infinity, which has no calendar day to archive");
        }
        return Math.addExact(days, POSTGRES_EPOCH_DAY);
    }

    /**
     * A timestamp or timestamptz as microseconds since 1970-01-01 00:00 (UTC for timestamptz, the wall
     * clock for timestamp: PostgreSQL sends both as microseconds since 2000-01-01); ±infinity fails.
     */
    public long epochMicros(int field) throws SQLException {
        long micros = int64(field, "timestamp");
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
    public BigDecimal numeric(int field) throws SQLException {
        int o = offsets[field];
        int ndigits = lengths[field] >= 8 ? int16(o) : -1;
        if (ndigits < 0 || lengths[field] != 8 + 2 * ndigits) {
            throw new SQLException("Field " + field + " (" + lengths[field] + " bytes) is not a numeric");
        }
        int weight = int16(o + 2);
        int sign = int16(o + 4) & 0xffff;
        if (sign != NUMERIC_POSITIVE && sign != NUMERIC_NEGATIVE) {
            throw new SQLException("Field " + field + " is a numeric NaN or infinity, which no decimal holds");
        }
        long small = 0;
        BigInteger large = null;
        for (int i = 0, p = o + 8; i < ndigits; i++, p += 2) {
            int digit = int16(p);
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

    /** A uuid in its text form (lower-case hex, 8-4-4-4-12), as US-ASCII bytes. */
    public byte[] uuidText(int field) throws SQLException {
        expectLength(field, 16, "uuid");
        byte[] text = new byte[36];
        for (int i = 0, t = 0, o = offsets[field]; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                text[t++] = '-';
            }
            int b = buffer[o + i] & 0xff;
            text[t++] = HEX[b >>> 4];
            text[t++] = HEX[b & 0xf];
        }
        return text;
    }

    /** Where a jsonb's text starts in its field: after the format version byte, which must be 1. */
    public int jsonbTextOffset(int field) throws SQLException {
        if (lengths[field] < 1 || buffer[offsets[field]] != 1) {
            throw new SQLException("Field " + field + " is not a jsonb of format version 1");
        }
        return 1;
    }

    private int int16(int offset) {
        return (short) INT16.get(buffer, offset);
    }

    private void expectLength(int field, int length, String type) throws SQLException {
        if (lengths[field] != length) {
            throw new SQLException(
                    "Field " + field + " is " + lengths[field] + " bytes, not a " + type + " (" + length + ")");
        }
    }

    private int int32(int offset) {
        return (int) INT32.get(buffer, offset);
    }

    /**
     * Reads a COPY that has not ended to its end, discarding the rows, so that the connection can roll
     * back or go on. (The driver's cancelCopy cancels by a separate request, which can race with the end
     * of the COPY and leave the connection out of step: this is a failure path, where time matters less.)
     */
    @Override
    public void close() throws SQLException {
        while (copy.isActive() && copy.readFromCopy() != null) {
            // discard
        }
    }
}
