package dev.pipelinearchiver.cli;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.dao.EmptyResultDataAccessException;

/** Looks up the execution an operator named; an unknown id is bad usage (exit 2), not a crash. */
final class JobExecutions {

    private JobExecutions() {}

    static JobExecution require(JobRepository repository, long executionId) {
        JobExecution execution;
        try {
            execution = repository.getJobExecution(executionId);
        } catch (EmptyResultDataAccessException e) {
            execution = null; // the JDBC DAO of Batch 6 throws where the interface promises null
        }
        if (execution == null) {
            throw new CommandFailure(
                    ArchiverCommand.BAD_CONFIG, "there is no job execution " + executionId + " (see executions).");
        }
        return execution;
    }
}
