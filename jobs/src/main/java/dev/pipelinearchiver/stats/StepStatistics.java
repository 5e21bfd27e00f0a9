package dev.pipelinearchiver.stats;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.parquet.AvroMapping;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

/**
 * Folds archived step rows into figures per step name. Fed with the values the archive's records hold,
 * as the export writes them (or as restore reads them back), so the statistics describe exactly what was
 * archived.
 */
public final class StepStatistics {

    private final String stepNameField;
    private final String statusField;
    private final String durationField;
    private final String errorField;
    private final Map<String, StepFigures> byStepName = new TreeMap<>();
    // Per row, the step name and status come as fresh Utf8 values (equal by their bytes): looked up as they
    // are, they cost no String decoding and no ordered search (~5 % of the export's Java samples before)
    private final Map<Object, StepFigures> figuresByValue = new HashMap<>();
    private final Map<Object, String> statusByValue = new HashMap<>();

    public StepStatistics(ArchiverProperties.Stats settings) {
        this.stepNameField = AvroMapping.avroName(settings.stepNameColumn());
        this.statusField = AvroMapping.avroName(settings.statusColumn());
        this.durationField = AvroMapping.avroName(settings.durationColumn());
        this.errorField = AvroMapping.avroName(settings.errorColumn());
    }

    /** Folds one step read back from the archive (restore takes restored steps out of their day this way). */
    public void add(GenericRecord step) {
        add(field(step, stepNameField), field(step, statusField), field(step, durationField), field(step, errorField));
    }

    /**
     * Folds one step given by the values its record holds (or would hold): step name and status as
     * {@code Utf8} or {@code String}, the duration a number, the error any text; each may be null.
     */
    public void add(Object name, Object status, Object duration, Object error) {
        figures(name)
                .add(
                        status(status),
                        duration == null ? null : ((Number) duration).longValue(),
                        error == null ? null : error.toString());
    }

    /** The figures of the step name a raw field value (null: "") stands for. */
    StepFigures figures(Object name) {
        return byRawValue(figuresByValue, name, text -> byStepName.computeIfAbsent(text, n -> new StepFigures()));
    }

    /** The status a raw field value stands for, null for NULL. */
    String status(Object status) {
        return status == null ? null : byRawValue(statusByValue, status, text -> text);
    }

    /** A field's value; a field the records do not have fails loudly. */
    private static Object field(GenericRecord step, String name) {
        Schema.Field field = step.getSchema().getField(name);
        if (field == null) {
            throw new IllegalArgumentException(
                    "The step records (" + step.getSchema().getFullName() + ") have no field " + name);
        }
        return step.get(field.pos());
    }

    /** What a raw field value (null: "") stands for, made from its text the first time it is seen. */
    private static <V> V byRawValue(Map<Object, V> cache, Object raw, Function<String, V> fromText) {
        V value = cache.get(raw);
        if (value == null) {
            value = fromText.apply(raw == null ? "" : raw.toString());
            cache.put(raw instanceof Utf8 utf8 ? new Utf8(utf8) : raw, value); // a copy: a reader may reuse its Utf8
        }
        return value;
    }

    public Map<String, StepFigures> byStepName() {
        return byStepName;
    }
}
