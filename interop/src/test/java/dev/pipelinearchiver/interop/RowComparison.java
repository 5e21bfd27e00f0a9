package dev.pipelinearchiver.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Rows an engine read, compared with PostgreSQL's column by column, every difference named. */
final class RowComparison {

    private RowComparison() {}

    /** Asserts the same rows in the same order, each with PostgreSQL's columns (by name) and values. */
    static void assertSameRows(String what, List<Map<String, Object>> expected, List<Map<String, Object>> read) {
        assertSameRows(what, "PostgreSQL", expected, read);
    }

    /** Asserts the same rows in the same order, each with the expected columns (by name) and values. */
    static void assertSameRows(
            String what, String source, List<Map<String, Object>> expected, List<Map<String, Object>> read) {
        assertThat(read).as(what + ": rows").hasSameSizeAs(expected);
        List<String> differences = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            assertThat(read.get(i).keySet())
                    .as(what + ": columns")
                    .containsExactlyElementsOf(expected.get(i).keySet());
            for (var column : expected.get(i).entrySet()) {
                Object value = read.get(i).get(column.getKey());
                if (!Objects.equals(value, column.getValue())) {
                    differences.add("id " + expected.get(i).get("id") + " " + column.getKey() + ": " + source + " "
                            + describe(column.getValue()) + ", read " + describe(value));
                }
            }
        }
        assertThat(differences).as(what).isEmpty();
    }

    private static String describe(Object value) {
        return value == null ? "NULL" : value + " (" + value.getClass().getSimpleName() + ")";
    }
}
