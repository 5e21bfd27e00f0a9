package dev.pipelinearchiver.interop;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Blob;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One comparable form for a value, whichever engine read it: integers as Long, float and double as Double,
 * decimals as their plain string, instants as Instant (a timestamp without time zone as that wall time in UTC),
 * dates as LocalDate, bytes as hex, UUIDs and text as String, and an array (a Parquet LIST, a JDBC array, a
 * Scala sequence) as PostgreSQL's text form of it, so that an array archived as text and one archived as a
 * LIST compare with the same PostgreSQL value.
 */
final class Values {

    private static final Pattern PLAIN_ELEMENT = Pattern.compile("[^\\s,{}\"\\\\]+");

    private Values() {}

    static Object canonical(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Byte || value instanceof Short || value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue();
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        if (value instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (value instanceof OffsetDateTime t) {
            return t.toInstant();
        }
        if (value instanceof ZonedDateTime t) {
            return t.toInstant();
        }
        if (value instanceof Timestamp t) {
            return t.toInstant();
        }
        if (value instanceof LocalDateTime t) {
            return t.toInstant(ZoneOffset.UTC);
        }
        if (value instanceof java.sql.Date d) {
            return d.toLocalDate();
        }
        if (value instanceof byte[] b) {
            return HexFormat.of().formatHex(b);
        }
        if (value instanceof Blob b) {
            try {
                return HexFormat.of().formatHex(b.getBytes(1, (int) b.length()));
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        if (value instanceof UUID u) {
            return u.toString();
        }
        if (value instanceof Array a) {
            try {
                return arrayText(Arrays.asList((Object[]) a.getArray()));
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        if (value instanceof Object[] a) {
            return arrayText(Arrays.asList(a));
        }
        if (value instanceof List<?> list) {
            return arrayText(list);
        }
        if (value instanceof scala.collection.Seq<?> seq) {
            return arrayText(scala.jdk.javaapi.CollectionConverters.asJava(seq));
        }
        if (value instanceof LocalDate
                || value instanceof Instant
                || value instanceof Boolean
                || value instanceof Double
                || value instanceof String) {
            return value;
        }
        return value.toString();
    }

    /** PostgreSQL's text form of a one-dimensional array: {a,"b c",NULL}. */
    static String arrayText(List<?> elements) {
        List<String> parts = new ArrayList<>(elements.size());
        for (Object element : elements) {
            Object value = canonical(element);
            if (value == null) {
                parts.add("NULL");
                continue;
            }
            String text = value.toString();
            boolean plain = PLAIN_ELEMENT.matcher(text).matches() && !text.equalsIgnoreCase("NULL");
            parts.add(plain ? text : "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        }
        return "{" + String.join(",", parts) + "}";
    }
}
