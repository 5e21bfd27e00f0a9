package dev.pipelinearchiver.cli;

import java.io.PrintWriter;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/** Prints the result of a {@code query} statement as an aligned table or as CSV. */
final class QueryResults {

    /** A cell longer than this is shortened in the table format (csv prints it whole). */
    private static final int CELL = 60;

    private QueryResults() {}

    static void printTable(ResultSet rs, PrintWriter out, int maxRows) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        int columns = meta.getColumnCount();
        boolean[] right = new boolean[columns];
        int[] widths = new int[columns];
        String[] header = new String[columns];
        for (int c = 0; c < columns; c++) {
            header[c] = meta.getColumnLabel(c + 1);
            widths[c] = header[c].length();
            right[c] = isNumber(meta.getColumnType(c + 1));
        }
        List<String[]> rows = new ArrayList<>();
        long count = 0;
        while (rs.next()) {
            count++;
            if (rows.size() < maxRows) {
                String[] row = new String[columns];
                for (int c = 0; c < columns; c++) {
                    String value = rs.getString(c + 1);
                    row[c] = value == null ? AvroText.NULL : AvroText.shorten(value, CELL);
                    widths[c] = Math.max(widths[c], row[c].length());
                }
                rows.add(row);
            }
        }
        out.println(line(header, widths, right));
        String[] rule = new String[columns];
        for (int c = 0; c < columns; c++) {
            rule[c] = "-".repeat(widths[c]);
        }
        out.println(line(rule, widths, right));
        for (String[] row : rows) {
            out.println(line(row, widths, right));
        }
        out.println(
                count > rows.size()
                        ? "(" + rows.size() + " of " + count + " rows shown; --max-rows, or --format=csv for all)"
                        : "(" + count + (count == 1 ? " row)" : " rows)"));
    }

    private static String line(String[] cells, int[] widths, boolean[] right) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                line.append("  ");
            }
            String pad = " ".repeat(Math.max(0, widths[c] - cells[c].length()));
            line.append(right[c] ? pad + cells[c] : cells[c] + pad);
        }
        return line.toString().stripTrailing();
    }

    static void printCsv(ResultSet rs, PrintWriter out) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        int columns = meta.getColumnCount();
        List<String> header = new ArrayList<>();
        for (int c = 1; c <= columns; c++) {
            header.add(csv(meta.getColumnLabel(c)));
        }
        out.println(String.join(",", header));
        while (rs.next()) {
            StringBuilder row = new StringBuilder();
            for (int c = 1; c <= columns; c++) {
                if (c > 1) {
                    row.append(',');
                }
                String value = rs.getString(c);
                row.append(value == null ? "" : csv(value)); // an empty field is NULL; an empty string is ""
            }
            out.println(row);
        }
    }

    private static String csv(String value) {
        if (value.isEmpty()
                || value.contains(",")
                || value.contains("\"")
                || value.contains("\n")
                || value.contains("\r")) {
            return '"' + value.replace("\"", "\"\"") + '"';
        }
        return value;
    }

    private static boolean isNumber(int type) {
        return switch (type) {
            case Types.TINYINT,
                    Types.SMALLINT,
                    Types.INTEGER,
                    Types.BIGINT,
                    Types.FLOAT,
                    Types.REAL,
                    Types.DOUBLE,
                    Types.DECIMAL,
                    Types.NUMERIC -> true;
            default -> false;
        };
    }
}
