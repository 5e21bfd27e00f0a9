package dev.pipelinearchiver.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML page in a real browser: headless Chromium (Debian's {@code chromium}, which scripts/test.sh installs)
 * opens it from a file with the network cut off (every request goes to a proxy here that refuses it and notes
 * it), takes a screenshot, and the test checks that nothing was logged to the console, that the page asked
 * for nothing over the network, and that the charts were drawn. A page that breaks those rules is run
 * through the same checks first, to show they catch it.
 *
 * <p>{@code -Dstats.screenshot=FILE} also copies the screenshot there (docs/statistics-report.png comes from it).
 */
class HtmlReportBrowserTest {

    /** Chromium's own background requests (updates, time, accounts): not the page's. */
    private static final List<String> CHROMIUM_OWN_HOSTS = List.of("google.com", "googleapis.com", "gstatic.com");

    @TempDir
    Path dir;

    private ServerSocket proxy;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startRefusingProxy() throws IOException {
        proxy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(
                () -> {
                    while (!proxy.isClosed()) {
                        try (Socket client = proxy.accept()) {
                            BufferedReader in = new BufferedReader(
                                    new InputStreamReader(client.getInputStream(), StandardCharsets.ISO_8859_1));
                            String line = in.readLine();
                            if (line != null) {
                                requests.add(line);
                            }
                            OutputStream out = client.getOutputStream();
                            out.write("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                    .getBytes(StandardCharsets.ISO_8859_1));
                            out.flush();
                        } catch (IOException closed) {
                            // the proxy was closed, or a client went away
                        }
                    }
                },
                "refusing-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    @AfterEach
    void stopProxy() throws IOException {
        proxy.close();
    }

    private record Rendered(BufferedImage screenshot, Path png, List<String> consoleLines, List<String> pageRequests) {}

    private static String chromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (Files.isExecutable(Path.of(dir, name))) {
                    return Path.of(dir, name).toString();
                }
            }
        }
        return null;
    }

    private Rendered render(String html, String name) throws Exception {
        String chromium = chromium();
        if (chromium == null) {
            String why = "headless Chromium is not installed (Debian: apt-get install chromium; scripts/test.sh does"
                    + " it as root)";
            // CI runs scripts/test.sh, which installs it: there, a missing browser is a failure, not a skip
            assertThat(System.getenv("CI")).as(why).isNotEqualTo("true");
            System.out.println("HtmlReportBrowserTest skipped: " + why);
            Assumptions.abort(why);
        }
        Path page = dir.resolve(name + ".html");
        Files.writeString(page, html, StandardCharsets.UTF_8);
        Path png = dir.resolve(name + ".png");
        Path log = dir.resolve(name + ".log");
        List<String> command = List.of(
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--user-data-dir=" + dir.resolve(name + "-profile"),
                "--enable-logging=stderr",
                "--v=0",
                "--proxy-server=http://127.0.0.1:" + proxy.getLocalPort(),
                "--proxy-bypass-list=<-loopback>",
                "--window-size=1300,1500",
                "--screenshot=" + png,
                page.toUri().toString());
        requests.clear();
        Process browser = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!browser.waitFor(90, TimeUnit.SECONDS)) {
            browser.destroyForcibly();
            throw new AssertionError("Chromium did not finish within 90 s: " + Files.readString(log));
        }
        List<String> output = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertThat(browser.exitValue()).as(String.join("\n", output)).isZero();
        assertThat(png).as(String.join("\n", output)).exists();
        List<String> console =
                output.stream().filter(line -> line.contains(":CONSOLE")).toList();
        List<String> fromPage = requests.stream()
                .filter(r ->
                        CHROMIUM_OWN_HOSTS.stream().noneMatch(host -> hostOf(r).endsWith(host)))
                .toList();
        return new Rendered(ImageIO.read(png.toFile()), png, console, fromPage);
    }

    /** The host a proxied request line names: "GET http://host/path HTTP/1.1" or "CONNECT host:443 HTTP/1.1". */
    private static String hostOf(String requestLine) {
        String[] parts = requestLine.split(" ");
        String target = parts.length > 1 ? parts[1] : "";
        target = target.replaceFirst("^[a-z]+://", "");
        return target.replaceFirst("[:/].*$", "");
    }

    /** Pixels whose colour is within a small distance of the given one. */
    private static int pixelsNear(BufferedImage image, int rgb) {
        int count = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                int d = Math.abs(((p >> 16) & 0xff) - ((rgb >> 16) & 0xff))
                        + Math.abs(((p >> 8) & 0xff) - ((rgb >> 8) & 0xff))
                        + Math.abs((p & 0xff) - (rgb & 0xff));
                count += d <= 24 ? 1 : 0;
            }
        }
        return count;
    }

    private static Set<Integer> colours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours;
    }

    /** Three weeks of eight agents: risk_agent twice as slow from 05-15, trend_agent failing more from 05-17. */
    static StepStatsReport threeWeeks() {
        ReportFixture fixture = new ReportFixture()
                .describedAs("PostgreSQL database pipelines: tables archiver.step_stats and archiver.step_error_stats")
                .varyingDays("2026-04-10", "2026-05-21", "indicator_agent", 220, 950, 0.004, 9)
                .varyingDays("2026-04-10", "2026-05-16", "trend_agent", 210, 1_250, 0, 5)
                .varyingDays("2026-05-17", "2026-05-21", "trend_agent", 210, 1_300, 0, 31)
                .varyingDays("2026-04-10", "2026-05-14", "risk_agent", 160, 780, 0, 3)
                .varyingDays("2026-05-15", "2026-05-21", "risk_agent", 160, 1_650, 0, 4)
                .varyingDays("2026-04-10", "2026-05-21", "report_agent", 220, 2_100, 0, 2)
                .varyingDays("2026-04-10", "2026-05-21", "fundamentals_agent", 150, 1_000, 0, 11)
                .varyingDays("2026-04-10", "2026-05-21", "sentiment_agent", 200, 1_050, 0, 8)
                .varyingDays("2026-04-10", "2026-05-08", "news_agent", 90, 640, 0, 4)
                .varyingDays("2026-05-12", "2026-05-21", "news_agent", 90, 700, 0, 4)
                .varyingDays("2026-04-10", "2026-05-21", "critic_agent", 20, 1_300, 0, 1);
        return fixture.report("2026-05-01", "2026-05-21", null);
    }

    @Test
    void theChecksCatchAPageThatLogsErrorsOrLoadsFromTheNetwork() throws Exception {
        // given a page with a console error and an image from elsewhere
        String bad = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\">"
                + "<title>bad</title></head><body><p>bad</p><img src=\"http://images.example.invalid/x.png\">"
                + "<script>console.error('broken')</script></body></html>";

        // when
        Rendered rendered = render(bad, "bad");

        // then
        assertThat(rendered.consoleLines()).anyMatch(line -> line.contains("broken"));
        assertThat(rendered.pageRequests()).anyMatch(line -> line.contains("images.example.invalid"));
    }

    @Test
    void theReportOpensOfflineWithoutErrorsAndShowsItsCharts() throws Exception {
        // given
        String html = HtmlReport.render(threeWeeks());

        // when
        Rendered rendered = render(html, "report");

        // then
        assertThat(rendered.consoleLines()).isEmpty();
        assertThat(rendered.pageRequests()).isEmpty();
        BufferedImage shot = rendered.screenshot();
        assertThat(shot.getWidth()).isEqualTo(1300);
        assertThat(colours(shot)).hasSizeGreaterThan(100); // text, tables, shaded cells and lines: not blank
        // the charts' colours are on screen: the calls lines, the p95 lines, the distribution's bars
        assertThat(pixelsNear(shot, 0x2f6db5)).as("calls lines").isGreaterThan(300);
        assertThat(pixelsNear(shot, 0xd08a0b)).as("p95 lines").isGreaterThan(200);
        assertThat(pixelsNear(shot, 0x4a7fc1)).as("distribution bars").isGreaterThan(2_000);
        assertThat(pixelsNear(shot, 0xfde3e0)).as("cells shaded as worse").isGreaterThan(200);
        String copy = System.getProperty("stats.screenshot");
        if (copy != null) {
            Files.copy(rendered.png(), Path.of(copy), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
