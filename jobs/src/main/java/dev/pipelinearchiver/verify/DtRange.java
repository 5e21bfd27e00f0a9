package dev.pipelinearchiver.verify;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/** An inclusive range of {@code dt} partitions. */
public record DtRange(LocalDate from, LocalDate to) {

    /** Every partition (the widest dates PostgreSQL and {@link LocalDate} agree on). */
    public static final DtRange ALL = new DtRange(LocalDate.of(1, 1, 1), LocalDate.of(9999, 12, 31));

    public DtRange {
        if (from.isAfter(to)) {
            throw new IllegalArgumentException("The dt range " + from + ".." + to + " ends before it starts.");
        }
    }

    /**
     * Parses {@code YYYY-MM-DD} (one day) or {@code FROM..TO} (inclusive).
     *
     * @throws IllegalArgumentException with a sentence for the operator
     */
    public static DtRange parse(String text) {
        String[] ends = text.split("\\.\\.", -1);
        try {
            if (ends.length == 1) {
                LocalDate day = LocalDate.parse(ends[0]);
                return new DtRange(day, day);
            }
            if (ends.length == 2) {
                return new DtRange(LocalDate.parse(ends[0]), LocalDate.parse(ends[1]));
            }
        } catch (DateTimeParseException e) {
            // fall through to the one message below
        }
        throw new IllegalArgumentException(
                "The dt '" + text + "' is not a date YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD.");
    }

    public boolean contains(LocalDate dt) {
        return !dt.isBefore(from) && !dt.isAfter(to);
    }

    public boolean isAll() {
        return equals(ALL);
    }
}
