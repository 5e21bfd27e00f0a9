package dev.pipelinearchiver.support;

import ch.qos.logback.classic.spi.ILoggingEvent;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Registered for every test (junit-platform.properties): each test starts with no {@link CapturedLogs}
 * events, and a test that fails prints the events it captured, so the stack trace of an unexpected step
 * failure still reaches the build log. Events of a test that passes are dropped: those failures were expected.
 */
public final class CapturedLogsExtension implements BeforeEachCallback, TestWatcher {

    @Override
    public void beforeEach(ExtensionContext context) {
        CapturedLogs.clear();
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        print(context.getDisplayName(), CapturedLogs.events(), System.err);
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        print(context.getDisplayName(), CapturedLogs.events(), System.err);
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        CapturedLogs.clear();
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {}

    static void print(String test, List<ILoggingEvent> events, PrintStream out) {
        if (events.isEmpty()) {
            return;
        }
        out.println(
                "--- " + events.size() + " step failure log event(s) captured during the failed test " + test + ":");
        events.forEach(event -> out.print(CapturedLogs.format(event)));
        out.println("--- end of the captured events of " + test);
        out.flush();
    }
}
