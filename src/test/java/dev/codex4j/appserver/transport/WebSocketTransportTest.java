package dev.codex4j.appserver.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codex4j.appserver.testing.FakeWebSocketServer;
import dev.codex4j.appserver.testing.TestThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link WebSocketTransport} against a {@link FakeWebSocketServer} on loopback: the connection, framing and end. */
@Timeout(60)
class WebSocketTransportTest {

    private static final String TOKEN = "ws-test-token-0123456789abcdef";

    private FakeWebSocketServer server;
    private WebSocketTransport transport;
    private final Lines lines = new Lines();

    /** What the listener saw: messages and, once, the end. */
    private static final class Lines implements TransportListener {
        final List<String> messages = new CopyOnWriteArrayList<>();
        final CompletableFuture<TransportClosed> closed = new CompletableFuture<>();
        final AtomicInteger closedCalls = new AtomicInteger();

        @Override
        public void onLine(byte[] buffer, int offset, int length) {
            messages.add(new String(buffer, offset, length, StandardCharsets.UTF_8));
        }

        @Override
        public void onClosed(TransportClosed end) {
            closedCalls.incrementAndGet();
            closed.complete(end);
        }

        TransportClosed awaitClosed() throws Exception {
            return closed.get(10, TimeUnit.SECONDS);
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        server = FakeWebSocketServer.start().requireToken(TOKEN);
    }

    @AfterEach
    void tearDown() {
        if (transport != null) {
            transport.close();
        }
        server.close();
    }

    private WebSocketOptions.Builder options() {
        return WebSocketOptions.builder(server.uri()).bearerToken(TOKEN).connectTimeout(Duration.ofSeconds(5));
    }

    private WebSocketTransport connected(WebSocketOptions options) throws IOException {
        transport = new WebSocketTransport(options);
        transport.start(lines);
        return transport;
    }

    private String endpoint() {
        return "ws://127.0.0.1:" + server.uri().getPort() + "/rpc";
    }

    @Test
    void theUpgradeCarriesTheBearerTokenAndTheExtraHeadersAndTheSupplierIsAskedPerConnection() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        connected(options().bearerToken(() -> {
            asked.incrementAndGet();
            return TOKEN;
        }).header("X-Tenant", "team-a").build());

        assertThat(server.upgradeHeaders()).containsEntry("authorization", "Bearer " + TOKEN)
                .containsEntry("x-tenant", "team-a");
        assertThat(asked).hasValue(1);
        transport.send("{\"method\":\"initialized\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(server.receive()).isEqualTo("{\"method\":\"initialized\"}");
    }

    @Test
    void aRefusedTokenFailsStartWithTheHttpStatusAndTheServersWordsButNotTheToken() {
        transport = new WebSocketTransport(options().bearerToken("wrong-token-value-123456").build());

        assertThatThrownBy(() -> transport.start(lines)).isInstanceOf(IOException.class)
                .hasMessageContaining(endpoint()).hasMessageContaining("HTTP 401")
                .hasMessageContaining("invalid websocket bearer token").hasMessageContaining("check the bearer token")
                .hasMessageNotContaining("wrong-token-value-123456");
        assertThat(lines.closed).isNotDone();
    }

    @Test
    void aClosedPortFailsAtOnceAndAServerThatNeverAnswersTheUpgradeWithinTheConnectTimeout() throws Exception {
        int closedPort = dev.codex4j.appserver.testing.Ports.freeBelowTheEphemeralRange(); // nobody listens there
        long t0 = System.nanoTime();
        WebSocketTransport refused = new WebSocketTransport(
                WebSocketOptions.builder(URI.create("ws://127.0.0.1:" + closedPort)).build());
        assertThatThrownBy(() -> refused.start(lines)).isInstanceOf(IOException.class)
                .hasMessage("cannot connect to ws://127.0.0.1:" + closedPort + ": connection refused");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));

        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) { // accepts, never answers
            WebSocketTransport hanging = new WebSocketTransport(WebSocketOptions.builder(
                    URI.create("ws://127.0.0.1:" + silent.getLocalPort())).connectTimeout(Duration.ofMillis(300)).build());
            long t1 = System.nanoTime();
            assertThatThrownBy(() -> hanging.start(lines)).isInstanceOf(IOException.class)
                    .hasMessage("connecting to ws://127.0.0.1:" + silent.getLocalPort() + " timed out after PT0.3S");
            assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(Duration.ofMillis(1300 + 700));
        }
    }

    @Test
    void anUpgradeAnswerThatIsNotRfc6455IsRefusedAndTheSocketClosed() throws Exception {
        assertRefused(key -> "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + WebSocketHandshake.expectedAccept(key + "x") + "\r\n\r\n",
                "not as RFC 6455 asks");
        assertRefused(key -> "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + WebSocketHandshake.expectedAccept(key) + "\r\n"
                + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n", "extension");
        assertRefused(key -> "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "HTTP 200 (hello)");
        assertRefused(key -> "SSH-2.0-OpenSSH_9.6\r\n\r\n", "something other than HTTP");
        assertRefused(key -> "HTTP/1.1 101 Switching Protocols\r\nX: " + "y".repeat(20_000) + "\r\n\r\n",
                "bytes of headers");
    }

    @Test
    void headersThatCouldSplitOrSmuggleTheUpgradeRequestAreRefusedWhenSet() {
        WebSocketOptions.Builder b = options();
        assertThatThrownBy(() -> b.header("X-A", "a\r\nX-Injected: 1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line break");
        assertThatThrownBy(() -> b.header("X-A", "a\u0000b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("control characters");
        assertThatThrownBy(() -> b.header("X-A", "\u2028")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ISO-8859-1");
        assertThatThrownBy(() -> b.header("X A", "v")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a header name");
        assertThatThrownBy(() -> b.header("Sec-WebSocket-Key", "v")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("set by the WebSocket handshake");
        assertThat(b.header("X-Tab", "a\tb é").build().headers()).containsEntry("X-Tab", "a\tb é");
    }

    @Test
    void aUnixSocketUriIsAnAbsolutePathWithoutTlsOrPingsAndAMissingSocketFailsAtOnceNamingIt() throws Exception {
        WebSocketOptions unix = WebSocketOptions.builder(URI.create("unix:///tmp/no-such-dir-codex4j/codex.sock"))
                .pingInterval(Duration.ofSeconds(1)).build();
        assertThat(unix.isUnixSocket()).isTrue();
        assertThat(unix.endpoint()).isEqualTo("unix:///tmp/no-such-dir-codex4j/codex.sock");
        assertThat(unix.pingInterval()).as("no pings over a Unix socket").isZero();
        assertThatThrownBy(() -> WebSocketOptions.builder(URI.create("unix://codex.sock")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absolute path");
        assertThatThrownBy(() -> WebSocketOptions.builder(URI.create("unix:///tmp/x.sock"))
                .sslContext(javax.net.ssl.SSLContext.getDefault()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wss:// only");

        WebSocketTransport missing = new WebSocketTransport(unix);
        assertThatThrownBy(() -> missing.start(lines)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot connect to unix:///tmp/no-such-dir-codex4j/codex.sock: ");
    }

    @Test
    void aTokenOverPlainWsToAnotherMachineIsWarnedOfButNotShown() throws IOException {
        try (dev.codex4j.appserver.testing.LogCapture logs = dev.codex4j.appserver.testing.LogCapture.start()) {
            // 192.0.2.1 (TEST-NET-1) is never routed: the connect fails, after the warning
            WebSocketTransport remote = new WebSocketTransport(WebSocketOptions.builder(
                    URI.create("ws://192.0.2.1:9")).bearerToken(TOKEN).connectTimeout(Duration.ofMillis(200)).build());
            assertThatThrownBy(() -> remote.start(lines)).isInstanceOf(IOException.class);
            assertThat(logs.lines()).anySatisfy(l -> assertThat(l).contains("ws://192.0.2.1:9").contains("use wss://"))
                    .noneSatisfy(l -> assertThat(l).contains(TOKEN));
        }
        try (dev.codex4j.appserver.testing.LogCapture logs = dev.codex4j.appserver.testing.LogCapture.start()) {
            connected(options().build()); // loopback: nobody on the way
            assertThat(logs.lines()).noneSatisfy(l -> assertThat(l).contains("use wss://"));
        }
    }

    /** A server on a raw socket answers the upgrade with {@code answer(key)}: start must fail saying {@code why}. */
    private void assertRefused(java.util.function.UnaryOperator<String> answer, String why) throws Exception {
        try (ServerSocket raw = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Boolean> clientClosed = CompletableFuture.supplyAsync(() -> {
                try (java.net.Socket s = raw.accept()) {
                    java.io.BufferedReader in = new java.io.BufferedReader(
                            new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                    String key = null;
                    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("sec-websocket-key:")) {
                            key = line.substring(line.indexOf(':') + 1).trim();
                        }
                    }
                    s.getOutputStream().write(answer.apply(key).getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().flush();
                    return in.read() == -1; // the client closed its end
                } catch (IOException e) {
                    return true; // reset by the client: closed as well
                }
            });
            WebSocketTransport refused = new WebSocketTransport(WebSocketOptions.builder(
                    URI.create("ws://127.0.0.1:" + raw.getLocalPort())).connectTimeout(Duration.ofSeconds(5)).build());
            assertThatThrownBy(() -> refused.start(lines)).isInstanceOf(IOException.class)
                    .hasMessageContaining("ws://127.0.0.1:" + raw.getLocalPort()).hasMessageContaining(why);
            assertThat(clientClosed.get(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aMessageInFragmentsCutInsideUtf8SequencesArrivesWholeInOrder() throws Exception {
        connected(options().build());
        String big = "{\"method\":\"m\",\"params\":{\"text\":\"" + "grüße 😀 €".repeat(20_000) + "\"}}";

        server.send("{\"method\":\"before\"}");
        server.sendFragmented(big, 7);
        server.send("{\"method\":\"after\"}");
        server.closeWith(1000, "");

        lines.awaitClosed();
        assertThat(lines.messages).containsExactly("{\"method\":\"before\"}", big, "{\"method\":\"after\"}");
    }

    @Test
    void aMessageOverTheMaximumFailsTheConnectionAfterTheMessagesBeforeIt() throws Exception {
        connected(options().maxMessageBytes(4096).build());
        server.send("{\"method\":\"fits\"}");
        server.sendFragmented("{\"x\":\"" + "a".repeat(10_000) + "\"}", 4);

        TransportClosed end = lines.awaitClosed();
        assertThat(end.cause()).isInstanceOf(LineTooLongException.class);
        assertThat(end.reason()).contains("exceeds the maximum of 4096 bytes");
        assertThat(end.requestedByClient()).isFalse();
        assertThat(lines.messages).containsExactly("{\"method\":\"fits\"}");
    }

    @Test
    void binaryAndBlankMessagesAreHandedOnAsBytesOrSkipped() throws Exception {
        connected(options().build());
        server.sendBinary("{\"method\":\"bin\"}".getBytes(StandardCharsets.UTF_8));
        server.send("  ");
        server.send("{\"method\":\"text\"}");
        server.closeWith(1000, "");

        lines.awaitClosed();
        assertThat(lines.messages).containsExactly("{\"method\":\"bin\"}", "{\"method\":\"text\"}");
    }

    @Test
    void theServersCloseFrameIsReportedOnceWithTheEndpointCodeAndReason() throws Exception {
        connected(options().build());
        server.closeWith(1011, "internal error");

        TransportClosed end = lines.awaitClosed();
        assertThat(end.reason()).isEqualTo("the app-server at " + endpoint()
                + " closed the WebSocket connection (close code 1011: internal error)");
        assertThat(end.requestedByClient()).isFalse();
        transport.close();
        assertThat(lines.closedCalls).hasValue(1);
        assertThatThrownBy(() -> transport.send(new byte[] {'{', '}'})).isInstanceOf(IOException.class)
                .hasMessageContaining("is closed");
    }

    @Test
    void aDroppedConnectionIsReportedAsLostWithCloseCode1006() throws Exception {
        connected(options().build());
        server.dropConnection();

        assertThat(lines.awaitClosed().reason()).isEqualTo("the WebSocket connection to " + endpoint()
                + " was lost (close code 1006: no close frame)");
    }

    @Test
    void aSilentConnectionIsPingedAndGivenUpWhenNothingAnswers() throws Exception {
        // each answer must be in within the interval, or the connection is given up: 500 ms leaves room for a
        // loaded machine (with 200 ms, about one run in a couple of hundred lost its connection under load)
        Duration interval = Duration.ofMillis(500);
        connected(options().pingInterval(interval).build());
        assertThat(server.awaitPings(3, 10)).as("pings while the server answers them").isTrue();
        assertThat(lines.closed).isNotDone();

        server.answerPings(false);
        long t0 = System.nanoTime();
        TransportClosed end = lines.awaitClosed();
        assertThat(end.reason()).isEqualTo("the WebSocket connection to " + endpoint()
                + " was lost: nothing received for PT0.5S after a ping");
        // the next ping within one interval, given up one interval later: not left to TCP's own timeouts
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(interval.multipliedBy(2).plusSeconds(2));
    }

    @Test
    void closeSendsACloseFrameReportsOnceAndLeavesNoThreadOrSocket() throws Exception {
        List<String> before = readerNames();
        connected(options().build());
        String id = readerNames().stream().filter(n -> !before.contains(n)).findFirst().orElseThrow();

        transport.close();

        assertThat(server.clientClose().get(5, TimeUnit.SECONDS)).isEqualTo(1000);
        server.connectionEnded().get(5, TimeUnit.SECONDS);
        TransportClosed end = lines.awaitClosed();
        assertThat(end.requestedByClient()).isTrue();
        assertThat(end.reason()).isEqualTo("closed by client");
        assertThat(lines.closedCalls).hasValue(1);
        // its reader threads end (joined rather than looked at once: a thread may still be on its way out)
        List<Thread> own = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(id)
                || t.getName().startsWith(id + "-")).toList();
        for (Thread t : own) {
            t.join(5_000);
        }
        assertThat(own).filteredOn(Thread::isAlive).extracting(Thread::getName).isEmpty();
        transport.close(); // idempotent
        assertThat(lines.closedCalls).hasValue(1);
    }

    @Test
    void closeFromInsideAListenerCallReturnsAtOnceAndTheEndIsReportedAfterTheCall() throws Exception {
        CompletableFuture<Duration> closeTook = new CompletableFuture<>();
        transport = new WebSocketTransport(options().build());
        transport.start(new TransportListener() {
            @Override
            public void onLine(byte[] buffer, int offset, int length) {
                long t0 = System.nanoTime();
                transport.close();
                closeTook.complete(Duration.ofNanos(System.nanoTime() - t0));
            }

            @Override
            public void onClosed(TransportClosed closed) {
                lines.onClosed(closed);
            }
        });
        server.send("{\"method\":\"close/please\"}");

        assertThat(closeTook.get(10, TimeUnit.SECONDS)).isLessThan(Duration.ofSeconds(1));
        assertThat(lines.awaitClosed().requestedByClient()).isTrue();
        assertThat(lines.closedCalls).hasValue(1);
    }

    @Test
    void theServersCloseFrameIsAnsweredWithTheClientsOwnBeforeTheConnectionEnds() throws Exception {
        connected(options().build());
        server.sendClose(1001, "going away");

        assertThat(server.clientClose().get(5, TimeUnit.SECONDS)).as("the client's answering close frame")
                .isEqualTo(1001);
        assertThat(lines.awaitClosed().reason()).endsWith("(close code 1001: going away)");
    }

    @Test
    void closeFromInsideAListenerCallStillSendsTheCloseFrame() throws Exception {
        transport = new WebSocketTransport(options().build());
        transport.start(new TransportListener() {
            @Override
            public void onLine(byte[] buffer, int offset, int length) {
                transport.close();
            }

            @Override
            public void onClosed(TransportClosed closed) {
                lines.onClosed(closed);
            }
        });
        server.send("{\"method\":\"close/please\"}");

        assertThat(server.clientClose().get(5, TimeUnit.SECONDS)).as("the client's close frame").isEqualTo(1000);
        assertThat(lines.awaitClosed().requestedByClient()).isTrue();
    }

    @Test
    void closeReturnsWithinItsGraceWhileWritesAreBlockedOnAServerThatReadsNothing() throws Exception {
        server.close();
        server = FakeWebSocketServer.start().readNothing();
        connected(WebSocketOptions.builder(server.uri()).pingInterval(Duration.ZERO)
                .connectTimeout(Duration.ofSeconds(5)).build());
        byte[] big = ("{\"x\":\"" + "a".repeat(512 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        List<Thread> senders = new ArrayList<>();
        java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        for (int i = 0; i < 2; i++) { // one ends up blocked in the socket write, the other waiting behind it
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        transport.send(big);
                        sent.incrementAndGet();
                    }
                } catch (IOException e) {
                    // closed: done
                }
            }, "test-sender-" + i);
            t.setDaemon(true);
            t.start();
            senders.add(t);
        }
        // a write blocked in the socket shows no state of its own: the senders are stuck once they stop advancing
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (long before = -1; before != sent.get()
                || senders.stream().noneMatch(t -> t.getState() == Thread.State.WAITING); ) {
            assertThat(System.nanoTime()).as("the writes block").isLessThan(deadline);
            before = sent.get();
            Thread.sleep(500); // no event marks a write that does not return
        }

        long t0 = System.nanoTime();
        CompletableFuture<Void> closing = TestThreads.start("test-closer",
                () -> transport.close(Duration.ofMillis(300)));
        assertThat(closing).as("close(300 ms)").succeedsWithin(Duration.ofSeconds(5));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        assertThat(lines.awaitClosed().requestedByClient()).isTrue();
        for (Thread t : senders) {
            t.join(5_000);
            assertThat(t.isAlive()).as("%s still sending", t.getName()).isFalse();
        }
    }

    @Test
    void aRefusalWhoseBodyTricklesInStillFailsWithinTheConnectTimeout() throws Exception {
        try (ServerSocket raw = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            TestThreads.start("test-trickler", () -> {
                try (java.net.Socket s = raw.accept()) {
                    readRequest(s);
                    OutputStream out = s.getOutputStream();
                    out.write("HTTP/1.1 401 Unauthorized\r\nContent-Length: 200\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    trickle(out, 200);
                }
            });
            WebSocketTransport refused = new WebSocketTransport(WebSocketOptions.builder(
                    URI.create("ws://127.0.0.1:" + raw.getLocalPort())).connectTimeout(Duration.ofMillis(500)).build());
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> refused.start(lines)).isInstanceOf(IOException.class)
                    .hasMessageContaining("HTTP 401");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void aRefusalBodyCutOffInsideAnEchoedTokenShowsNoPartOfIt() throws Exception {
        // a proxy echoing what it refused; the token starts 190 bytes in, across the 200 bytes shown
        String body = "x".repeat(190) + TOKEN + " was refused";
        try (ServerSocket raw = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            TestThreads.start("test-echoer", () -> {
                try (java.net.Socket s = raw.accept()) {
                    readRequest(s);
                    s.getOutputStream().write(("HTTP/1.1 401 Unauthorized\r\nContent-Length: " + body.length()
                            + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    s.getInputStream().read(); // until the client closes
                }
            });
            WebSocketTransport refused = new WebSocketTransport(WebSocketOptions.builder(
                    URI.create("ws://127.0.0.1:" + raw.getLocalPort())).bearerToken(TOKEN)
                    .connectTimeout(Duration.ofSeconds(5)).build());
            assertThatThrownBy(() -> refused.start(lines)).isInstanceOf(IOException.class)
                    .hasMessageContaining("HTTP 401").hasMessageContaining("xxxx")
                    .hasMessageNotContaining(TOKEN.substring(0, 6));
        }
    }

    @Test
    void closeWhileStartWaitsForTheUpgradeLeavesNoConnectionOrReaderBehind() throws Exception {
        try (ServerSocket raw = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> requested = new CompletableFuture<>();
            CompletableFuture<Void> answer = new CompletableFuture<>();
            CompletableFuture<Boolean> clientClosed = new CompletableFuture<>();
            TestThreads.start("test-late-server", () -> {
                try (java.net.Socket s = raw.accept()) {
                    requested.complete(readRequest(s));
                    answer.get(10, TimeUnit.SECONDS);
                    s.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                            + "Connection: Upgrade\r\nSec-WebSocket-Accept: "
                            + WebSocketHandshake.expectedAccept(requested.get()) + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    s.setSoTimeout(10_000);
                    clientClosed.complete(s.getInputStream().read() == -1);
                } catch (IOException e) {
                    clientClosed.complete(!(e instanceof java.net.SocketTimeoutException)); // reset: closed too
                }
            });
            List<String> before = readerNames();
            transport = new WebSocketTransport(WebSocketOptions.builder(
                    URI.create("ws://127.0.0.1:" + raw.getLocalPort())).connectTimeout(Duration.ofSeconds(10)).build());
            CompletableFuture<Void> starting = TestThreads.start("test-starter", () -> transport.start(lines));
            requested.get(10, TimeUnit.SECONDS); // start now waits for the answer

            transport.close();
            answer.complete(null);

            assertThat(starting).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(
                    java.util.concurrent.ExecutionException.class).havingCause().isInstanceOf(IOException.class)
                    .withMessageContaining("closed");
            assertThat(clientClosed.get(10, TimeUnit.SECONDS)).as("the client closed the connection").isTrue();
            assertThat(readerNames()).isSubsetOf(before);
        }
    }

    @Test
    void theServersWordsCannotForgeLogLines() throws Exception {
        // a close reason and a refusal's body reach log lines and exception messages: one line each
        connected(options().build());
        server.closeWith(1011, "bye\n2025-01-01 ERROR forged\r\u2028line");
        assertThat(lines.awaitClosed().reason()).endsWith("(close code 1011: bye 2025-01-01 ERROR forged  line)");

        try (ServerSocket raw = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String body = "denied\r\n2025-01-01 ERROR forged\u0085line";
            TestThreads.start("test-forger", () -> {
                try (java.net.Socket s = raw.accept()) {
                    readRequest(s);
                    s.getOutputStream().write(("HTTP/1.1 403 Forbidden\r\nContent-Length: " + body.length()
                            + "\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().flush();
                    s.getInputStream().read(); // until the client closes
                }
            });
            WebSocketTransport refused = new WebSocketTransport(WebSocketOptions.builder(
                    URI.create("ws://127.0.0.1:" + raw.getLocalPort())).connectTimeout(Duration.ofSeconds(5)).build());
            assertThatThrownBy(() -> refused.start(lines)).isInstanceOf(IOException.class)
                    .hasMessageContaining("HTTP 403 (denied  2025-01-01 ERROR forged")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\r", "\n"));
        }
    }

    /** Reads an upgrade request up to its blank line; returns its Sec-WebSocket-Key. */
    private static String readRequest(java.net.Socket s) throws IOException {
        java.io.InputStream in = s.getInputStream();
        StringBuilder request = new StringBuilder();
        while (!request.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new java.io.EOFException();
            }
            request.append((char) c);
        }
        for (String line : request.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("sec-websocket-key:")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return null;
    }

    /** Writes {@code n} bytes one at a time, 50 ms apart (a peer that trickles), until the client hangs up. */
    static void trickle(OutputStream out, int n) throws InterruptedException {
        try {
            for (int i = 0; i < n; i++) {
                out.write('x');
                out.flush();
                Thread.sleep(50); // the pace of the trickle, not a wait for anything
            }
        } catch (IOException e) {
            // the client gave up: as it should
        }
    }

    @Test
    void neitherTheOptionsNorTheTransportNameTheToken() {
        WebSocketOptions options = options().build();
        assertThat(options.toString()).contains(endpoint()).doesNotContain(TOKEN);
        assertThat(new WebSocketTransport(options).toString()).doesNotContain(TOKEN);
        assertThat(WebSocketOptions.builder(URI.create("ws://user:pw@127.0.0.1:1/x?token=abc")).build().endpoint())
                .isEqualTo("ws://127.0.0.1:1/x");
        assertThatThrownBy(() -> WebSocketOptions.builder(URI.create("http://127.0.0.1:1")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> options().header("Authorization", "Bearer x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bearerToken");
    }

    private static List<String> readerNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("codex4j-ws-reader-")).toList();
    }
}
