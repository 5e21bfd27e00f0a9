package dev.pipelinearchiver.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The root cause of a failure in one line, from the exit description Spring Batch stored (a stack
 * trace, cut at 2,500 characters): the last "Caused by:" that survived the cut, else the first line,
 * without the exception's package.
 */
final class ExitDescriptions {

    private static final Pattern CAUSED_BY = Pattern.compile("^Caused by: (.*)$", Pattern.MULTILINE);
    private static final Pattern QUALIFIED_EXCEPTION = Pattern.compile("^(?:[a-z_$][\\w$]*\\.)+([A-Z][\\w$]*)(:|$)");

    /**
     * Spring's SQL exception messages end with the server's message: "task; SQL [...]; ERROR: ..." or,
     * uncategorized, "task; uncategorized SQLException; SQL state [42501]; error code [0]; ERROR: ...".
     */
    private static final Pattern SERVER_MESSAGE =
            Pattern.compile("; (?:SQL state \\[(\\w+)\\]; .*?; )?((?:ERROR|FATAL): .*)$");

    /** Spring's uncategorized message, anywhere in the trace: the only line that carries the SQL state. */
    private static final Pattern SERVER_MESSAGE_WITH_STATE =
            Pattern.compile("; SQL state \\[(\\w+)\\]; .*?; ((?:ERROR|FATAL): .*)$", Pattern.MULTILINE);

    private ExitDescriptions() {}

    static String rootCause(String exitDescription) {
        if (exitDescription == null || exitDescription.isBlank()) {
            return null;
        }
        Matcher withState = SERVER_MESSAGE_WITH_STATE.matcher(exitDescription);
        if (withState.find()) {
            return "PostgreSQL " + withState.group(2).strip() + " (SQL state " + withState.group(1) + ")";
        }
        String cause = null;
        Matcher causedBy = CAUSED_BY.matcher(exitDescription);
        while (causedBy.find()) {
            cause = causedBy.group(1);
        }
        if (cause == null) {
            cause = exitDescription.strip().lines().findFirst().orElse("");
        }
        Matcher server = SERVER_MESSAGE.matcher(cause);
        if (server.find()) {
            return "PostgreSQL " + server.group(2).strip()
                    + (server.group(1) == null ? "" : " (SQL state " + server.group(1) + ")");
        }
        cause = QUALIFIED_EXCEPTION.matcher(cause.strip()).replaceFirst("$1$2");
        return cause.replaceAll("\\s+", " ").strip();
    }
}
