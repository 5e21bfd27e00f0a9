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
 * Folds archived step rows into figures per step name. Fed with the records written to the archive
 * (or read back from it), so the statistics describe exactly what was archived.
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
    // positions of the four fields in the records' schema, found once per schema rather than by name per
    // value (a hash lookup and a string compare each, ~1.5 % of the export's Java samples)
    private Schema schema;
    private int[] positions;

    public StepStatistics(ArchiverProperties.Stats settings) {
        this.stepNameField = AvroMapping.avroName(settings.stepNameColumn());
        this.statusField = AvroMapping.avroName(settings.statusColumn());
        this.durationField = AvroMapping.avroName(settings.durationColumn());
        this.errorField = AvroMapping.avroName(settings.errorColumn());
    }

    public void add(GenericRecord step) {
        if (step.getSchema() != schema) {
            schema = step.getSchema();
            positions = new int[] {position(stepNameField), position(statusField), position(durationField), position(errorField)};
        }
        add(step.get(positions[0]), step.get(positions[1]), step.get(positions[2]), step.get(positions[3]));
    }

    /**
     * Folds one step given by the values its record holds (or would hold): step name and status as
     * {@code Utf8} or {@code String}, the duration a number, the error any text; each may be null.
     */
    public void add(Object name, Object status, Object duration, Object error) {
        StepFigures figures = byRawValue(figuresByValue, name, text -> byStepName.computeIfAbsent(text, n -> new StepFigures()));
        figures.add(status == null ? null : byRawValue(statusByValue, status, text -> text),
                duration == null ? null : ((Number) duration).longValue(), error == null ? null : error.toString());
    }

    /** The position of a field in the current records' schema; a missing one fails loudly. */
    private int position(String field) {
        Schema.Field found = schema.getField(field);
        if (found == null) {
            throw new IllegalArgumentException("The step records (" + schema.getFullName() + ") have no field " + field);
        }
        return found.pos();
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
