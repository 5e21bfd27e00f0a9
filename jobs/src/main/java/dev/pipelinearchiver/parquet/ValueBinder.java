package dev.pipelinearchiver.parquet;

import java.nio.ByteBuffer;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.function.Function;

/**
 * Binds an archived value (as an Avro record read from an archive file holds it) as a statement parameter:
 * converted to its JDBC type, or a NULL of that type (typed, so that every row of a prepared statement has
 * the same parameter types). Each {@link ColumnCodec} says which type and conversion its values take.
 *
 * @param sqlType the {@link java.sql.Types} constant the value is bound as
 * @param convert the Avro value (never null) to the JDBC value
 */
public record ValueBinder(int sqlType, Function<Object, Object> convert) {

    /** Binds {@code value} (null for NULL); returns roughly how many bytes it adds to a pending batch. */
    public long bind(PreparedStatement ps, int index, Object value) throws SQLException {
        if (value == null) {
            ps.setNull(index, sqlType);
            return 8;
        }
        Object converted = convert.apply(value);
        ps.setObject(index, converted, sqlType);
        if (converted instanceof String s) {
            return 2L * s.length();
        }
        return converted instanceof byte[] b ? b.length : 8;
    }

    /** A timestamptz from Avro's timestamp-micros (microseconds since 1970-01-01 UTC). */
    static OffsetDateTime atUtc(Object micros) {
        return instant((Long) micros).atOffset(ZoneOffset.UTC);
    }

    /** A timestamp from Avro's local-timestamp-micros (the wall clock's microseconds since 1970-01-01). */
    static LocalDateTime wallClock(Object micros) {
        return LocalDateTime.ofInstant(instant((Long) micros), ZoneOffset.UTC);
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    /** The bytes an Avro {@code bytes} value holds, leaving the buffer as it was. */
    static byte[] bytes(Object avroBytes) {
        ByteBuffer buffer = (ByteBuffer) avroBytes;
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
