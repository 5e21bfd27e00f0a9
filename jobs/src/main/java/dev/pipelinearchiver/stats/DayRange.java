package dev.pipelinearchiver.stats;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Days from {@code first} to {@code last}, both included (UTC dates, as the {@code dt} partitions). */
public record DayRange(LocalDate first, LocalDate last) {

    public DayRange {
        if (last.isBefore(first)) {
            throw new IllegalArgumentException("The range ends (" + last + ") before it starts (" + first + ")");
        }
    }

    public int length() {
        return Math.toIntExact(ChronoUnit.DAYS.between(first, last) + 1);
    }

    /** The range of the same length that ends the day before this one starts. */
    public DayRange previous() {
        return new DayRange(first.minusDays(length()), first.minusDays(1));
    }

    public boolean contains(LocalDate day) {
        return !day.isBefore(first) && !day.isAfter(last);
    }

    public List<LocalDate> days() {
        return first.datesUntil(last.plusDays(1)).toList();
    }

    @Override
    public String toString() {
        return first + " .. " + last;
    }
}
