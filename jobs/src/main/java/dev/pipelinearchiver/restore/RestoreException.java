package dev.pipelinearchiver.restore;

/**
 * Restore refuses or cannot go on; the message says why in one sentence, and what was left as it was.
 * Nothing of the batch at hand was written: its transaction was rolled back.
 */
public class RestoreException extends RuntimeException {

    public RestoreException(String message) {
        super(message);
    }
}
