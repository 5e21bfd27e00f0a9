package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.database.DatabaseFailure;
import dev.pipelinearchiver.database.DatabaseRetry;
import dev.pipelinearchiver.database.DatabaseUnavailableException;
import java.util.List;
import org.springframework.dao.OptimisticLockingFailureException;

/** Tells the failures of a launch that a new attempt of the job instance may not meet from those it would meet again. */
final class LaunchFailures {

    private LaunchFailures() {}

    /**
     * A failure that a new attempt may not meet: transient, or commits lost in a crash; not a retry that gave
     * up. A version conflict in Spring Batch's metadata counts as lost commits: under the archive lock only
     * this process writes its execution's rows, so a row whose version went back lost a commit in a crash
     * (the job's commits are asynchronous) or met a commit whose outcome was unknown.
     */
    static boolean restartable(List<Throwable> failures) {
        boolean restartable = false;
        for (Throwable failure : failures) {
            if (hasCause(failure, DatabaseUnavailableException.class)) {
                return false;
            }
            DatabaseFailure kind = DatabaseFailure.of(failure);
            restartable |= DatabaseRetry.isTransient(failure)
                    || kind == DatabaseFailure.LOST_COMMITS
                    || hasCause(failure, OptimisticLockingFailureException.class);
        }
        return restartable;
    }

    /** The first restartable failure (else the first), in one line, for the log line of a restart. */
    static String firstFailure(List<Throwable> failures) {
        return failures.stream()
                .filter(f -> restartable(List.of(f)))
                .findFirst()
                .or(() -> failures.stream().findFirst())
                .map(DatabaseUnavailableException::summary)
                .orElse("its outcome was not recorded");
    }

    private static boolean hasCause(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
