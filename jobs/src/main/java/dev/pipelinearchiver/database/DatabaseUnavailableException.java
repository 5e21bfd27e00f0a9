package dev.pipelinearchiver.database;

import java.time.Duration;

/**
 * A unit of work kept failing for a transient database reason ({@link DatabaseFailure}) for longer than
 * {@code archiver.database.retry-for}: the launch ends (exit 1) with this one line, and the next launch
 * resumes. Never retried itself.
 */
public class DatabaseUnavailableException extends RuntimeException {

    public DatabaseUnavailableException(String unitOfWork, Duration retriedFor, Throwable last) {
        super(
                unitOfWork + ": " + reason(DatabaseFailure.of(last)) + " for " + DatabaseRetry.format(retriedFor)
                        + " (archiver.database.retry-for); last error: " + summary(last),
                last);
    }

    private static String reason(DatabaseFailure kind) {
        return switch (kind) {
            case CONFLICT -> "kept conflicting with other transactions (serialization failures or deadlocks)";
            case LOCK_TIMEOUT -> "kept waiting for locks held by other sessions";
            default -> "the database did not answer";
        };
    }

    /** The deepest message of the chain, on one line, without package names. */
    public static String summary(Throwable failure) {
        Throwable deepest = failure;
        while (deepest.getCause() != null && deepest.getCause() != deepest) {
            deepest = deepest.getCause();
        }
        String message = deepest.getMessage() == null ? "(no message)" : deepest.getMessage();
        return (deepest.getClass().getSimpleName() + ": " + message)
                .replaceAll("\\s*\\R\\s*", " ")
                .strip();
    }
}
