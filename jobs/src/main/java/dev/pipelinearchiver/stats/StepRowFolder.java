package dev.pipelinearchiver.stats;

import dev.pipelinearchiver.parquet.AvroMapping;
import dev.pipelinearchiver.source.CopyRows;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;

/**
 * Folds the steps of a binary COPY into {@link StepStatistics} as the export streams them: the step name and
 * status looked up by their bytes in the row, the duration read as the integer it is, the error decoded only
 * when there is one. The figures are those of the values the archived records hold ({@link AvroMapping#value}):
 * a field of a type not read in place (a uuid step name, a numeric duration) takes that value. Before, every
 * step's four fields were decoded a second time into Avro values (1.25 CPU-s of a 200k launch).
 */
public final class StepRowFolder {

    private final StepStatistics statistics;
    private final AvroMapping mapping;
    private final int name;
    private final int status;
    private final int duration;
    private final int error;
    private final boolean nameInPlace;
    private final boolean statusInPlace;
    private final boolean durationInteger;
    private final boolean errorInPlace;
    private final ByteKeys<StepFigures> figuresByName = new ByteKeys<>();
    private final ByteKeys<String> statusByText = new ByteKeys<>();

    /** Folds into {@code statistics} the fields (0-based, of {@code mapping}) of the step name, status, duration and error. */
    public StepRowFolder(
            StepStatistics statistics, AvroMapping mapping, int name, int status, int duration, int error) {
        this.statistics = statistics;
        this.mapping = mapping;
        this.name = name;
        this.status = status;
        this.duration = duration;
        this.error = error;
        this.nameInPlace = mapping.textInPlace(name);
        this.statusInPlace = mapping.textInPlace(status);
        this.durationInteger = mapping.integer(duration);
        this.errorInPlace = mapping.textInPlace(error);
    }

    /** Folds the COPY's current row. */
    public void add(CopyRows row) throws SQLException {
        byte[] bytes = row.buffer();
        StepFigures figures;
        if (nameInPlace && !row.isNull(name)) {
            figures = figuresByName.get(bytes, row.offset(name), row.length(name));
            if (figures == null) {
                figures = statistics.figures(mapping.value(row, name));
                figuresByName.put(bytes, row.offset(name), row.length(name), figures);
            }
        } else {
            figures = statistics.figures(mapping.value(row, name));
        }
        String statusText;
        if (statusInPlace && !row.isNull(status)) {
            statusText = statusByText.get(bytes, row.offset(status), row.length(status));
            if (statusText == null) {
                statusText = statistics.status(mapping.value(row, status));
                statusByText.put(bytes, row.offset(status), row.length(status), statusText);
            }
        } else {
            statusText = statistics.status(mapping.value(row, status));
        }
        boolean hasDuration = !row.isNull(duration);
        long durationMs = !hasDuration
                ? 0
                : durationInteger ? row.integer(duration) : ((Number) mapping.value(row, duration)).longValue();
        String errorText;
        if (row.isNull(error)) {
            errorText = null;
        } else if (errorInPlace) {
            errorText = new String(bytes, row.offset(error), row.length(error), StandardCharsets.UTF_8);
        } else {
            errorText = mapping.value(row, error).toString();
        }
        figures.add(statusText, hasDuration, durationMs, errorText);
    }
}
