package dev.pipelinearchiver.restore;

import dev.pipelinearchiver.source.SourceTable;
import java.util.List;
import java.util.Optional;

/**
 * A backend table as restore writes into it: its archived identity and its current columns.
 *
 * @param source the table as the archive job knows it (name, cascade path)
 * @param columns its current columns, in table order
 */
record TargetTable(SourceTable source, List<Column> columns) {

    /**
     * @param type the column's type as {@code format_type} spells it, ready for a cast ({@code numeric(10,3)},
     *     {@code text[]}, {@code mood}, {@code public.positive_int})
     * @param generated a generated column: PostgreSQL computes it, it cannot be inserted
     * @param identityAlways {@code GENERATED ALWAYS AS IDENTITY}: explicit values need {@code OVERRIDING SYSTEM VALUE}
     * @param sequence the serial or identity sequence feeding it, or null
     * @param notNull declared NOT NULL
     * @param hasDefault a default, an identity or a generation expression gives it a value when an insert omits it
     */
    record Column(
            String name,
            String type,
            boolean generated,
            boolean identityAlways,
            String sequence,
            boolean notNull,
            boolean hasDefault) {}

    String name() {
        return source.name();
    }

    Optional<Column> column(String name) {
        return columns.stream().filter(c -> c.name().equals(name)).findFirst();
    }
}
