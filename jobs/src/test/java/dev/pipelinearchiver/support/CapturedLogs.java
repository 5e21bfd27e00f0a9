package dev.pipelinearchiver.support;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.CoreConstants;
import java.util.ArrayList;
import java.util.List;

/**
 * The log events of the loggers logback-test.xml routes here (step failures with their stack traces), kept in
 * memory instead of the build log: tests that make a step fail on purpose can assert them, and
 * {@link CapturedLogsExtension} prints them when a test fails.
 */
public final class CapturedLogs extends AppenderBase<ILoggingEvent> {

    private static final List<ILoggingEvent> EVENTS = new ArrayList<>();

    @Override
    protected void append(ILoggingEvent event) {
        event.prepareForDeferredProcessing();
        synchronized (EVENTS) {
            EVENTS.add(event);
        }
    }

    /** The events captured since the current test started. */
    public static List<ILoggingEvent> events() {
        synchronized (EVENTS) {
            return List.copyOf(EVENTS);
        }
    }

    static void clear() {
        synchronized (EVENTS) {
            EVENTS.clear();
        }
    }

    /** An event as the console would have printed it: level, thread, logger, message, then the stack trace. */
    public static String format(ILoggingEvent event) {
        StringBuilder text = new StringBuilder()
                .append(event.getLevel())
                .append(" [")
                .append(event.getThreadName())
                .append("] ")
                .append(event.getLoggerName())
                .append(": ")
                .append(event.getFormattedMessage())
                .append(CoreConstants.LINE_SEPARATOR);
        if (event.getThrowableProxy() != null) {
            text.append(ThrowableProxyUtil.asString(event.getThrowableProxy())).append(CoreConstants.LINE_SEPARATOR);
        }
        return text.toString();
    }

    /** Every captured event's text, stack traces included. */
    public static String text() {
        StringBuilder text = new StringBuilder();
        events().forEach(event -> text.append(format(event)));
        return text.toString();
    }
}
