package dev.pipelinearchiver.archive;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.springframework.batch.core.job.parameters.InvalidJobParametersException;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersValidator;

/** The archive job needs a {@code cutoff}: an ISO-8601 UTC instant, not in the future. */
class CutoffParameterValidator implements JobParametersValidator {

    @Override
    public void validate(JobParameters parameters) throws InvalidJobParametersException {
        String cutoff = parameters.getString(ArchiveJobConfiguration.CUTOFF);
        if (cutoff == null) {
            throw new InvalidJobParametersException("The archive job needs a cutoff parameter.");
        }
        Instant instant;
        try {
            instant = Instant.parse(cutoff);
        } catch (DateTimeParseException e) {
            throw new InvalidJobParametersException(
                    "The cutoff '" + cutoff + "' is not an ISO-8601 UTC instant such as 2026-10-01T00:00:00Z.");
        }
        if (instant.isAfter(Instant.now())) {
            throw new InvalidJobParametersException(
                    "The cutoff " + cutoff + " is in the future; runs finishing now must not be archived.");
        }
    }
}
