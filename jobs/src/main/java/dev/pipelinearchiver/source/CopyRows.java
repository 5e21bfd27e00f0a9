package dev.pipelinearchiver.source;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
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
 * <p>It reads the framing and fixed-width big-endian numbers; what the bytes of a field of any other type
 * mean is decided by that column's codec (parquet's ColumnCodec).
 *
 * <p>Closing before the end reads the COPY to its end, so the connection (and its transaction) stay usable.
 */
public final class CopyRows implements AutoCloseable {

    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};
    private static final int HEADER_BYTES = SIGNATURE.length + 4 + 4; // signature, flags, header extension length
    private static final VarHandle INT16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

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
