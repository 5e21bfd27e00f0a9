package dev.pipelinearchiver.stats;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.parquet.AvroMapping;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;

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

    public StepStatistics(ArchiverProperties.Stats settings) {
        this.stepNameField = AvroMapping.avroName(settings.stepNameColumn());
        this.statusField = AvroMapping.avroName(settings.statusColumn());
        this.durationField = AvroMapping.avroName(settings.durationColumn());
        this.errorField = AvroMapping.avroName(settings.errorColumn());
    }

    public void add(GenericRecord step) {
        Object name = step.get(stepNameField);
        Object status = step.get(statusField);
        Object duration = step.get(durationField);
        Object error = step.get(errorField);
        byStepName.computeIfAbsent(name == null ? "" : name.toString(), n -> new StepFigures())
                .add(status == null ? null : status.toString(), duration == null ? null : ((Number) duration).longValue(),
                        error == null ? null : error.toString());
    }

    public Map<String, StepFigures> byStepName() {
        return byStepName;
    }
}
