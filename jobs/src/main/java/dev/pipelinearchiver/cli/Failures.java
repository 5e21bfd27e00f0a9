package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.database.DatabaseUnavailableException;
import dev.pipelinearchiver.source.SourceSchemaException;
import dev.pipelinearchiver.storage.ArchiveIoException;
import dev.pipelinearchiver.storage.ArchiveStoreException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.batch.core.job.parameters.InvalidJobParametersException;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;

/** Turns an exception chain into the one sentence an operator reads at 3 a.m. */
final class Failures {

    /** SQLSTATE of "permission denied": at start (Flyway in schema archiver) it is configuration, not a job failure. */
    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    /** lock_timeout fired (archiver.database.lock-timeout). */
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    /** statement_timeout fired (archiver.database.statement-timeout), or the statement was cancelled. */
    private static final String QUERY_CANCELED = "57014";

    private Failures() {}

    static String describe(Throwable failure) {
        Throwable gaveUp = find(failure, DatabaseUnavailableException.class);
        if (gaveUp != null) {
            return oneLine(gaveUp.getMessage());
        }
        Throwable lockTimeout = sqlState(failure, LOCK_NOT_AVAILABLE);
        if (lockTimeout != null) {
            return "A lock was held by another session for longer than archiver.database.lock-timeout: "
                    + oneLine(lockTimeout.getMessage());
        }
        Throwable statementTimeout = sqlState(failure, QUERY_CANCELED);
        if (statementTimeout != null) {
            return "A statement ran longer than archiver.database.statement-timeout (or was cancelled): "
                    + oneLine(statementTimeout.getMessage());
        }
        Throwable known = knownCause(failure);
        if (known != null) {
            if (known instanceof BindValidationException validation) {
                return "Invalid configuration: "
                        + validation.getValidationErrors().getAllErrors().stream()
                                .map(Failures::describe)
                                .collect(Collectors.joining("; "))
                        + ".";
            }
            if (known instanceof InvalidConfigurationPropertyValueException invalid) {
                return "Invalid configuration: " + oneLine(invalid.getMessage());
            }
            if (known instanceof BindException bind) {
                return "Invalid configuration: " + bind.getName() + ": "
                        + oneLine(deepest(known).getMessage());
            }
            return oneLine(known.getMessage());
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ArchiveStoreException store) {
                return oneLine(store.getMessage());
            }
        }
        Throwable connection = connectionCause(failure);
        if (connection != null) {
            return (isLost(connection) ? "Lost the connection to the database: " : "Cannot connect to the database: ")
                    + oneLine(connection.getMessage());
        }
        Throwable privilege = sqlState(failure, INSUFFICIENT_PRIVILEGE);
        if (privilege != null) {
            return "The database role lacks a privilege (see config/least-privilege.sql): "
                    + oneLine(privilege.getMessage());
        }
        Throwable root = deepest(failure);
        return oneLine(root.getClass().getSimpleName() + ": " + root.getMessage());
    }

    private static String describe(ObjectError error) {
        if (error instanceof FieldError field) {
            return error.getObjectName() + "." + field.getField() + "=" + field.getRejectedValue() + " "
                    + error.getDefaultMessage();
        }
        return error.getObjectName() + ": " + error.getDefaultMessage();
    }

    static boolean isConfiguration(Throwable failure) {
        if (find(failure, DatabaseUnavailableException.class) != null) {
            return false; // the database went away during the work: the next launch resumes
        }
        Throwable connection = connectionCause(failure);
        // a connection lost mid-run is not configuration: a relaunch resumes
        return knownCause(failure) != null
                || (connection != null && !isLost(connection))
                || sqlState(failure, INSUFFICIENT_PRIVILEGE) != null;
    }

    private static Throwable find(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return t;
            }
        }
        return null;
    }

    private static Throwable sqlState(Throwable failure, String state) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && state.equals(sql.getSQLState())) {
                return t;
            }
        }
        return null;
    }

    private static Throwable knownCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof BindValidationException) {
                return t; // more precise than the BindException around it
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SourceSchemaException
                    || t instanceof ArchiveIoException
                    || t instanceof InvalidJobParametersException
                    || t instanceof BindValidationException
                    || t instanceof BindException
                    || t instanceof InvalidConfigurationPropertyValueException) {
                return t;
            }
        }
        return null;
    }

    private static Throwable connectionCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return t;
            }
            if (t instanceof SQLException sql
                    && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08")
                            || sql.getSQLState().startsWith("28")
                            || sql.getSQLState().equals("3D000"))) {
                return t;
            }
        }
        return null;
    }

    /**
     * A connection that was open and went away (08003 does not exist, 08006 failure, 08007 unknown
     * transaction state: the server restarted, a proxy dropped it, the driver gave up on it), as opposed
     * to one that could not be made (refused, rejected, bad credentials, no such database).
     */
    static boolean isLost(Throwable connection) {
        return connection instanceof SQLException sql
                && sql.getSQLState() != null
                && List.of("08003", "08006", "08007").contains(sql.getSQLState());
    }

    private static Throwable deepest(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static String oneLine(String message) {
        return message == null
                ? "(no message)"
                : message.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
