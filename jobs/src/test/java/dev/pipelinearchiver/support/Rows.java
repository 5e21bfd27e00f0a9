package dev.pipelinearchiver.support;

import java.math.BigDecimal;
import java.sql.Blob;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.postgresql.util.PGobject;

/**
 * Rows of a query as lists of comparable values, whichever database produced them: integers as Long,
 * instants as Instant, dates as LocalDate, decimals as plain strings, bytes as hex, JSON and other
 * PostgreSQL types as their text form. Lets a test compare PostgreSQL's rows with DuckDB's reading of
 * the Parquet files value by value.
 */
public final class Rows {

    private Rows() {}

    public static List<List<Object>> query(Connection con, String sql) throws SQLException {
        List<List<Object>> rows = new ArrayList<>();
        try (Statement st = con.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                List<Object> row = new ArrayList<>(meta.getColumnCount());
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    String type = meta.getColumnTypeName(i);
                    Object value = type.startsWith("_") || type.equals("interval") || type.equals("bpchar")
                            ? rs.getString(i)
                            : rs.getObject(i);
                    row.add(normalize(value));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    public static Object normalize(Object value) throws SQLException {
        if (value == null) {
            return null;
        }
        if (value instanceof Short || value instanceof Integer || value instanceof Long) {
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
        if (value instanceof LocalDate
                || value instanceof Instant
                || value instanceof Boolean
                || value instanceof Double
                || value instanceof String) {
            return value;
        }
        if (value instanceof byte[] b) {
            return HexFormat.of().formatHex(b);
        }
        if (value instanceof Blob b) {
            return HexFormat.of().formatHex(b.getBytes(1, (int) b.length()));
        }
        if (value instanceof PGobject o) {
            return o.getValue();
        }
        if (value instanceof UUID u) {
            return u.toString();
        }
        if (value instanceof java.sql.Array list) {
            return arrayText((Object[]) list.getArray()); // a Parquet LIST read by DuckDB, as PostgreSQL prints arrays
        }
        return value.toString();
    }

    /** A one-dimensional array in PostgreSQL's text form: elements quoted when array_out quotes them. */
    private static String arrayText(Object[] elements) {
        StringBuilder text = new StringBuilder("{");
        for (Object element : elements) {
            text.append(text.length() > 1 ? "," : "");
            String item = element == null ? null : element.toString();
            if (item == null) {
                text.append("NULL");
            } else if (item.isEmpty() || item.equalsIgnoreCase("NULL") || item.matches("(?s).*[{},\"\\\\\\s].*")) {
                text.append('"')
                        .append(item.replace("\\", "\\\\").replace("\"", "\\\""))
                        .append('"');
            } else {
                text.append(item);
            }
        }
        return text.append('}').toString();
    }
}
