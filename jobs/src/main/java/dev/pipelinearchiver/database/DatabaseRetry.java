package dev.pipelinearchiver.database;

import dev.pipelinearchiver.ArchiverProperties;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.scope.context.StepContext;
import org.springframework.batch.core.scope.context.StepSynchronizationManager;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.repeat.RepeatContext;
import org.springframework.batch.infrastructure.repeat.exception.ExceptionHandler;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryListener;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryState;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.core.retry.Retryable;
import org.springframework.stereotype.Component;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;

/**
 * The job's one retry policy for database failures (docs/database-faults.md). A unit of work that fails
 * for a transient reason ({@link DatabaseFailure#CONNECTION}: a lost connection, a terminated backend, a
 * server restarting; {@link DatabaseFailure#CONFLICT}: a serialization failure or a deadlock) is run again
 * after a wait that starts at {@code archiver.database.retry-delay} and doubles (with up to 50 % jitter, so
 * that shards that conflicted do not meet again) up to {@code retry-max-delay}, for at most
 * {@code retry-for} after its first failure; past that it fails with a {@link DatabaseUnavailableException}
 * (exit 1, the next launch resumes). Any other failure is rethrown at once.
 *
 * <p>A unit of work must be safe to run again: a transaction that re-reads what it works on (the ledger
 * decides what is archived and purged), or a read. Three ways to use it, one policy:
 *
 * <ul>
 *   <li>{@link #call}/{@link #run}: a callable unit of work, through Spring Framework's {@link RetryTemplate};
 *   <li>{@link #stepExceptionHandler()}: on a tasklet step ({@code .exceptionHandler(...)}), each failed
 *       tasklet call (its transaction, with Spring Batch's record of it) is rolled back and called again;
 *   <li>{@link #startWaiting()}: the waits of a loop of its own (the launcher restarting a job instance).
 * </ul>
 *
 * <p>Lock timeouts ({@link DatabaseFailure#LOCK_TIMEOUT}) are retried only by the {@code ...WaitingOutLocks}
 * variants, for units whose waits are on the archiver's own locks (another shard's short transaction).
 */
@Component
public class DatabaseRetry {

    private static final Logger log = LoggerFactory.getLogger(DatabaseRetry.class);

    private static final Set<DatabaseFailure> TRANSIENT =
            EnumSet.of(DatabaseFailure.CONNECTION, DatabaseFailure.CONFLICT);
    private static final Set<DatabaseFailure> TRANSIENT_OR_LOCK_TIMEOUT =
            EnumSet.of(DatabaseFailure.CONNECTION, DatabaseFailure.CONFLICT, DatabaseFailure.LOCK_TIMEOUT);

    private static final String STREAK = DatabaseRetry.class.getName() + ".streak";

    private final ArchiverProperties.Database settings;
    private final RetryTemplate transientFailures;
    private final RetryTemplate transientFailuresAndLockTimeouts;

    @Autowired
    public DatabaseRetry(ArchiverProperties properties) {
        this(properties.database());
    }

    /** The policy with other settings than the application's (tests, tools). */
    public DatabaseRetry(ArchiverProperties.Database settings) {
        this.settings = settings;
        this.transientFailures = template(TRANSIENT);
        this.transientFailuresAndLockTimeouts = template(TRANSIENT_OR_LOCK_TIMEOUT);
    }

    /** A unit of work whose failure PostgreSQL says may succeed if retried: CONNECTION or CONFLICT. */
    public static boolean isTransient(Throwable failure) {
        return TRANSIENT.contains(DatabaseFailure.of(failure));
    }

    /** How long a unit of work is retried after its first failure. */
    public Duration retryFor() {
        return settings.retryFor();
    }

    /** Runs a unit of work, retrying it on transient failures; see the class comment. */
    public <T> T call(String unitOfWork, Callable<T> work) throws Exception {
        return call(transientFailures, unitOfWork, work);
    }

    /** {@link #call}, also retrying lock timeouts: for units that wait only on the archiver's own locks. */
    public <T> T callWaitingOutLocks(String unitOfWork, Callable<T> work) throws Exception {
        return call(transientFailuresAndLockTimeouts, unitOfWork, work);
    }

    /** A unit of work without a result. */
    public interface Work {
        void run() throws Exception;
    }

    public void run(String unitOfWork, Work work) throws Exception {
        call(unitOfWork, () -> {
            work.run();
            return null;
        });
    }

    /**
     * Retries the failed calls of a tasklet step: set it with the step builder's {@code exceptionHandler}.
     * Each call of the tasklet runs in its own transaction, which also records the step's progress; a call
     * that fails is rolled back (a rollback on a lost connection counts as one: see
     * {@link JobTransactionManager}), and this handler waits and lets the step call the tasklet again, in a
     * new transaction on a new connection. A failure whose commit's outcome is unknown leaves the step
     * UNKNOWN and is not retried here (the launcher restarts the job instance instead).
     */
    public ExceptionHandler stepExceptionHandler() {
        return new StepRetries(TRANSIENT);
    }

    /** {@link #stepExceptionHandler()}, also retrying lock timeouts. */
    public ExceptionHandler stepExceptionHandlerWaitingOutLocks() {
        return new StepRetries(TRANSIENT_OR_LOCK_TIMEOUT);
    }

    /**
     * The waits of one streak of failures, for a retry loop of its own: {@link BackOffExecution#nextBackOff()}
     * gives the next wait in milliseconds, or {@link BackOffExecution#STOP} once {@code retry-for} has passed
     * since this call.
     */
    public BackOffExecution startWaiting() {
        return new RetryWaits(settings);
    }

    private <T> T call(RetryTemplate template, String unitOfWork, Callable<T> work) throws Exception {
        try {
            return template.execute(new Retryable<T>() {
                @Override
                public T execute() throws Exception {
                    return work.call();
                }

                @Override
                public String getName() {
                    return unitOfWork;
                }
            });
        } catch (RetryException e) {
            Throwable last = e.getExceptions().isEmpty() ? e.getCause() : e.getLastException();
            if (template.getRetryPolicy().shouldRetry(last)
                    && !Thread.currentThread().isInterrupted()) {
                throw new DatabaseUnavailableException(unitOfWork, settings.retryFor(), last);
            }
            throw rethrowable(last);
        }
    }

    private static Exception rethrowable(Throwable failure) {
        if (failure instanceof Error error) {
            throw error;
        }
        return failure instanceof Exception exception ? exception : new IllegalStateException(failure);
    }

    private RetryTemplate template(Set<DatabaseFailure> retried) {
        RetryTemplate template = new RetryTemplate(new Policy(retried));
        template.setRetryListener(new RetryListener() {
            @Override
            public void onRetryableExecution(RetryPolicy policy, Retryable<?> retryable, RetryState state) {
                if (state.isSuccessful() || state.getExceptions().isEmpty()) {
                    return;
                }
                Throwable last = state.getLastException();
                if (policy.shouldRetry(last)) {
                    logRetry(retryable.getName(), state.getRetryCount() + 1, last);
                }
            }
        });
        return template;
    }

    private void logRetry(String unitOfWork, long attempt, Throwable failure) {
        String line = "{}: {} ({}); retrying it (attempt {}) for up to {} after its first failure";
        Object[] args = {
            unitOfWork,
            describe(DatabaseFailure.of(failure)),
            DatabaseUnavailableException.summary(failure),
            attempt + 1,
            format(settings.retryFor())
        };
        if (attempt == 1) {
            log.warn(line, args);
        } else {
            log.info(line, args);
        }
    }

    private static String describe(DatabaseFailure kind) {
        return switch (kind) {
            case CONNECTION -> "lost the database connection";
            case CONFLICT -> "the transaction conflicted with another one";
            case LOCK_TIMEOUT -> "a lock was held by another session for longer than the lock timeout";
            default -> "failed";
        };
    }

    /** A duration as the settings write it: 3m, 90s, 100ms. */
    static String format(Duration duration) {
        if (duration.toMillis() % 1000 != 0) {
            return duration.toMillis() + "ms";
        }
        long seconds = duration.toSeconds();
        return seconds % 60 == 0 && seconds > 0 ? seconds / 60 + "m" : seconds + "s";
    }

    /** Spring Framework's retry policy over our classification and waits. */
    private final class Policy implements RetryPolicy {

        private final Set<DatabaseFailure> retried;

        Policy(Set<DatabaseFailure> retried) {
            this.retried = retried;
        }

        @Override
        public boolean shouldRetry(Throwable throwable) {
            return retried.contains(DatabaseFailure.of(throwable));
        }

        @Override
        public BackOff getBackOff() {
            // started at the first failure (RetryTemplate asks for it then): retry-for counts from there
            return DatabaseRetry.this::startWaiting;
        }
    }

    /**
     * The failed calls of a tasklet step, retried: see {@link #stepExceptionHandler()}. A streak of failures
     * is kept in the step's repeat context (one per step execution, also when partitions share the step),
     * and a call that succeeds in between starts a new one.
     */
    private final class StepRetries implements ExceptionHandler {

        private final Set<DatabaseFailure> retried;

        StepRetries(Set<DatabaseFailure> retried) {
            this.retried = retried;
        }

        @Override
        public void handleException(RepeatContext context, Throwable throwable) throws Throwable {
            StepContext stepContext = StepSynchronizationManager.getContext();
            StepExecution step = stepContext == null ? null : stepContext.getStepExecution();
            // UNKNOWN: a commit whose outcome is unknown; terminate-only: a stop request. Neither is retried here.
            if (!retried.contains(DatabaseFailure.of(throwable))
                    || step == null
                    || step.isTerminateOnly()
                    || step.getStatus() == org.springframework.batch.core.BatchStatus.UNKNOWN) {
                throw throwable;
            }
            Streak streak = (Streak) context.getAttribute(STREAK);
            int call = context.getStartedCount();
            if (streak == null || streak.lastFailedCall != call - 1) {
                streak = new Streak(startWaiting());
                context.setAttribute(STREAK, streak);
            }
            streak.lastFailedCall = call;
            streak.failures++;
            long wait = streak.waits.nextBackOff();
            String unitOfWork = "step " + step.getStepName();
            if (wait == BackOffExecution.STOP) {
                throw new DatabaseUnavailableException(unitOfWork, settings.retryFor(), throwable);
            }
            logRetry(unitOfWork, streak.failures, throwable);
            Thread.sleep(wait);
        }
    }

    private static final class Streak {
        final BackOffExecution waits;
        int lastFailedCall;
        long failures;

        Streak(BackOffExecution waits) {
            this.waits = waits;
        }
    }
}
