package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.archive.ArchiveLauncher;
import dev.pipelinearchiver.archive.BatchMetadata;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM (Kubernetes eviction or deadline, Ctrl-C, {@code timeout}) while a command runs the job: the
 * JVM runs this hook, which marks the job execution STOPPING so that the job stops at its next commit
 * (a safe point: an exported batch, a purge transaction), waits for the command to end, at most
 * {@code timeout}, and ends the process with the command's exit code.
 *
 * <p>The hook cannot simply return: the JVM would exit 143 at once, killing the job mid-batch, and the
 * main thread's {@code System.exit} blocks while hooks run. So the main thread hands its exit code to
 * the hook ({@link #commandEnded}) and the hook halts the JVM with it.
 */
final class GracefulStop {

    private static final Logger log = LoggerFactory.getLogger(GracefulStop.class);

    private static volatile GracefulStop installed;

    private final ArchiveLauncher launcher;
    private final BatchMetadata metadata;
    private final Duration timeout;
    private final PrintWriter err;
    private final Thread hook = new Thread(this::onSignal, "graceful-stop");
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile int exitCode = ArchiverCommand.JOB_FAILED;

    private GracefulStop(ArchiveLauncher launcher, BatchMetadata metadata, Duration timeout, PrintWriter err) {
        this.launcher = launcher;
        this.metadata = metadata;
        this.timeout = timeout;
        this.err = err;
    }

    /** Handles SIGTERM from now until the command ends. */
    static void install(ArchiveLauncher launcher, BatchMetadata metadata, Duration timeout, PrintWriter err) {
        GracefulStop stop = new GracefulStop(launcher, metadata, timeout, err);
        Runtime.getRuntime().addShutdownHook(stop.hook);
        installed = stop;
    }

    /**
     * Called with the command's exit code once it has ended (its application context closed). Returns the
     * code, unless a stop signal is being handled: then it hands the code to the hook, which ends the
     * process with it, and never returns.
     */
    static int commandEnded(int code) {
        GracefulStop stop = installed;
        if (stop == null) {
            return code;
        }
        installed = null;
        try {
            Runtime.getRuntime().removeShutdownHook(stop.hook);
            return code;
        } catch (IllegalStateException shutdownInProgress) {
            stop.exitCode = code;
            stop.ended.countDown();
            while (true) {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    // keep waiting: the hook halts the JVM
                }
            }
        }
    }

    private void onSignal() {
        log.warn(
                "stop signal: stopping the archive job at its next safe point (waiting up to {})",
                Times.format(timeout));
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean marked = false;
        try {
            do {
                if (!marked) {
                    marked = markRunningExecution();
                }
                if (ended.await(200, TimeUnit.MILLISECONDS)) {
                    err.flush();
                    Runtime.getRuntime().halt(exitCode);
                }
            } while (System.nanoTime() < deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        err.println("pipeline-archiver: the archive job did not reach a safe point within " + Times.format(timeout)
                + " of the stop signal; exiting anyway (the next launch recovers and resumes it).");
        err.flush();
        Runtime.getRuntime().halt(ArchiverCommand.JOB_FAILED);
    }

    /** The launch may not have created its execution yet: then this is retried until it has, or has ended. */
    private boolean markRunningExecution() {
        try {
            OptionalLong running = launcher.requestStop();
            if (running.isEmpty()) {
                return false;
            }
            if (metadata.markStopping(running.getAsLong())) {
                log.warn("job execution {} marked STOPPING", running.getAsLong());
            }
            return true;
        } catch (RuntimeException e) {
            log.warn("could not mark the job execution STOPPING yet: {}", e.getMessage());
            return false;
        }
    }
}
