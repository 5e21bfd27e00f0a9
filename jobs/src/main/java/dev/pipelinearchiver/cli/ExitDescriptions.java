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

    private ExitDescriptions() {}

    static String rootCause(String exitDescription) {
        if (exitDescription == null || exitDescription.isBlank()) {
            return null;
        }
        String cause = null;
        Matcher causedBy = CAUSED_BY.matcher(exitDescription);
        while (causedBy.find()) {
            cause = causedBy.group(1);
        }
        if (cause == null) {
            cause = exitDescription.strip().lines().findFirst().orElse("");
        }
        cause = QUALIFIED_EXCEPTION.matcher(cause.strip()).replaceFirst("$1$2");
        return cause.replaceAll("\\s+", " ").strip();
    }
}
