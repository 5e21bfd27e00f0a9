package dev.pipelinearchiver.cli;

/**
 * A command's expected way to end with a non-zero exit code: the message is the one line the operator
 * reads (no stack trace), the code one of {@link ArchiverCommand}'s.
 */
final class CommandFailure extends RuntimeException {

    private final int exitCode;

    CommandFailure(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
