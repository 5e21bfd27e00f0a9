package dev.pipelinearchiver.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 proxy on 127.0.0.1 in front of the S3 server that injects the faults the server cannot
 * produce by itself: 503 SlowDown (throttling), 403 AccessDenied on one operation, a dropped
 * connection. Requests and responses are relayed byte for byte (the Host header included, so the
 * clients' signatures stay valid); a fault replaces a matching request's response.
 */
public final class FaultProxy implements AutoCloseable {

    public enum Fault {
        /** 503 SlowDown, as S3 answers when a prefix is throttled. */
        SLOW_DOWN,
        /** 403 AccessDenied, as a policy that refuses one action. */
        DENY,
        /** The connection closed with no response, as a dropped network path. */
        DROP,
        /** Relayed after a pause ({@link #DELAY_MILLIS}), as a slow link: holds a request in flight. */
        DELAY
    }

    public static final long DELAY_MILLIS = 1_000;

    /** Fails the next {@code times} requests (-1: all) whose method and target match. */
    private record Rule(String method, String targetContains, Fault fault, AtomicInteger left) {
        /** Whether the request matches, taking one of the rule's remaining uses (atomically: threads race). */
        boolean claims(String requestMethod, String target) {
            if ((method != null && !method.equals(requestMethod))
                    || (targetContains != null && !target.contains(targetContains))) {
                return false;
            }
            return left.getAndUpdate(n -> n > 0 ? n - 1 : n) != 0;
        }
    }

    private final int upstreamPort;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "fault-proxy");
        thread.setDaemon(true);
        return thread;
    });
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final AtomicInteger faultsServed = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();

    public FaultProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /**
     * Injects {@code fault} into the next {@code times} requests (-1: every one) with this method (null:
     * any) whose request target contains {@code targetContains} (null: any).
     */
    public void fail(String method, String targetContains, Fault fault, int times) {
        rules.add(new Rule(method, targetContains, fault, new AtomicInteger(times)));
    }

    /** Removes every fault and zeroes the count of faults served. */
    public void clear() {
        rules.clear();
        faultsServed.set(0);
    }

    public int faultsServed() {
        return faultsServed.get();
    }

    public int requests() {
        return requests.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                threads.execute(() -> serve(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client;
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            InputStream fromClient = client.getInputStream();
            OutputStream toClient = client.getOutputStream();
            InputStream fromServer = upstream.getInputStream();
            OutputStream toServer = upstream.getOutputStream();
            while (true) {
                byte[] head = readHead(fromClient);
                if (head == null) {
                    return;
                }
                requests.incrementAndGet();
                String headText = new String(head, StandardCharsets.ISO_8859_1);
                String[] requestLine =
                        headText.substring(0, headText.indexOf("\r\n")).split(" ");
                boolean expectContinue = header(headText, "expect") != null;
                Fault fault = faultFor(requestLine[0], requestLine[1]);
                if (fault == Fault.DROP) {
                    return; // closes both connections with no response
                }
                if (fault == Fault.SLOW_DOWN || fault == Fault.DENY) {
                    if (!expectContinue) {
                        skipBody(fromClient, headText);
                    }
                    toClient.write(faultResponse(fault));
                    toClient.flush();
                    return;
                }
                // store and forward: a client that dies mid-body never leaves the server half a request
                if (expectContinue) {
                    toClient.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    toClient.flush();
                }
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                copyBody(fromClient, body, headText);
                if (fault == Fault.DELAY) {
                    Thread.sleep(DELAY_MILLIS);
                }
                // Expect is not signed; the body is already here, so the server gets none
                toServer.write(withoutHeader(headText, "expect").getBytes(StandardCharsets.ISO_8859_1));
                body.writeTo(toServer);
                toServer.flush();
                byte[] response = readHead(fromServer);
                if (response == null) {
                    return;
                }
                String responseText = new String(response, StandardCharsets.ISO_8859_1);
                toClient.write(response);
                copyBody(fromServer, toClient, responseText, requestLine[0]);
                toClient.flush();
                if ("close".equalsIgnoreCase(header(responseText, "connection"))) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            // a connection ended by either side: nothing to relay any more
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Fault faultFor(String method, String target) {
        for (Rule rule : rules) {
            if (rule.claims(method, target)) {
                if (rule.fault() != Fault.DELAY) {
                    faultsServed.incrementAndGet();
                }
                return rule.fault();
            }
        }
        return null;
    }

    private static byte[] faultResponse(Fault fault) {
        String code = fault == Fault.SLOW_DOWN ? "SlowDown" : "AccessDenied";
        String message = fault == Fault.SLOW_DOWN ? "Please reduce your request rate." : "Access Denied";
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message
                + "</Message><RequestId>fault-proxy</RequestId></Error>";
        String status = fault == Fault.SLOW_DOWN ? "503 Slow Down" : "403 Forbidden";
        return ("HTTP/1.1 " + status + "\r\nContent-Type: application/xml\r\nContent-Length: "
                        + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The request or response head (through the blank line), or null at the end of the stream. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                if (head.size() == 0) {
                    return null;
                }
                throw new EOFException("head cut short");
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1
                    : (b == '\r' ? 1 : 0);
        }
        return head.toByteArray();
    }

    private static String withoutHeader(String head, String name) {
        StringBuilder kept = new StringBuilder();
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0
                    && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
                continue;
            }
            kept.append(line).append("\r\n");
        }
        return kept.append("\r\n").toString();
    }

    private static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0
                    && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static void skipBody(InputStream in, String head) throws IOException {
        copyBody(in, OutputStream.nullOutputStream(), head);
    }

    /** A request's body: by Content-Length or chunked. */
    private static void copyBody(InputStream in, OutputStream out, String head) throws IOException {
        String length = header(head, "content-length");
        String encoding = header(head, "transfer-encoding");
        if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            copyChunked(in, out);
        } else if (length != null) {
            copyExactly(in, out, Long.parseLong(length));
        }
        out.flush();
    }

    /** A response's body: none for HEAD, 1xx, 204 and 304; by Content-Length, chunked, or to the end. */
    private static void copyBody(InputStream in, OutputStream out, String head, String method) throws IOException {
        int status = Integer.parseInt(head.substring(9, 12));
        if ("HEAD".equals(method) || status / 100 == 1 || status == 204 || status == 304) {
            return;
        }
        String length = header(head, "content-length");
        String encoding = header(head, "transfer-encoding");
        if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            copyChunked(in, out);
        } else if (length != null) {
            copyExactly(in, out, Long.parseLong(length));
        } else {
            in.transferTo(out);
        }
        out.flush();
    }

    private static void copyExactly(InputStream in, OutputStream out, long bytes) throws IOException {
        byte[] buffer = new byte[1 << 16];
        while (bytes > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, bytes));
            if (n < 0) {
                throw new EOFException("body cut short");
            }
            out.write(buffer, 0, n);
            bytes -= n;
        }
    }

    private static void copyChunked(InputStream in, OutputStream out) throws IOException {
        while (true) {
            String sizeLine = readLine(in);
            out.write((sizeLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            int semicolon = sizeLine.indexOf(';');
            long size = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0) {
                // trailers, up to the blank line
                for (String line = readLine(in); ; line = readLine(in)) {
                    out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    if (line.isEmpty()) {
                        return;
                    }
                }
            }
            copyExactly(in, out, size + 2); // the chunk and its CRLF
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("line cut short");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
