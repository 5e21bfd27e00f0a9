package dev.pipelinearchiver.storage;

/** The archive root cannot be used; the message says which root and why. */
public class ArchiveIoException extends RuntimeException {

    public ArchiveIoException(String message, Throwable cause) {
        super(message, cause);
    }
}
