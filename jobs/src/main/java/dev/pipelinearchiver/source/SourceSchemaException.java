package dev.pipelinearchiver.source;

/** The backend's schema is not what the archiver can safely work with; the message says why, in one sentence. */
public class SourceSchemaException extends RuntimeException {

    public SourceSchemaException(String message) {
        super(message);
    }
}
