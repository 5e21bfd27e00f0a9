package dev.pipelinearchiver.database;

/**
 * The ledger shows less than this launch committed: PostgreSQL crashed and lost the launch's latest
 * asynchronous commits ({@code archive.AsyncCommits}). Classified {@link DatabaseFailure#LOST_COMMITS}: the
 * launch restarts its job instance, which redoes what was lost.
 */
public class CommitsLostException extends RuntimeException {

    public CommitsLostException(String message) {
        super(message);
    }
}
