package dev.codex4j.appserver.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codex4j.appserver.testing.FakeWebSocketServer;
import dev.codex4j.appserver.testing.TestThreads;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wss://}: a {@link FakeWebSocketServer} over TLS with a self-signed certificate for 127.0.0.1 (made by the
 * JDK's keytool), trusted through a caller-supplied {@link SSLContext}, and refused by the JDK's default trust store.
 */
@Timeout(60)
class WebSocketTlsTest {

    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    static Path dir;

    private static KeyStore keyStore;

    /** A certificate for another host, trusted by the client all the same. */
    private static KeyStore otherHost;

    @BeforeAll
    static void makeCertificate() throws Exception {
        keyStore = certificate("server", "CN=127.0.0.1", "SAN=ip:127.0.0.1");
        otherHost = certificate("other", "CN=other.example", "SAN=dns:other.example");
    }

    private static KeyStore certificate(String name, String dname, String san) throws Exception {
        Path file = dir.resolve(name + ".p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", name, "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", dname, "-ext", san, "-validity", "2",
                "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD);
        }
        return store;
    }

    private static SSLContext serverContext() throws Exception {
        return serverContext(keyStore);
    }

    private static SSLContext serverContext(KeyStore store) throws Exception {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    private static SSLContext trustingContext() throws Exception {
        return trustingContext(keyStore);
    }

    private static SSLContext trustingContext(KeyStore store) throws Exception {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    @Test
    void aCallerSuppliedSslContextTrustsThePrivateCertificate() throws Exception {
        try (FakeWebSocketServer server = FakeWebSocketServer.startTls(serverContext())) {
            assertThat(server.uri().getScheme()).isEqualTo("wss");
            WebSocketTransport transport = new WebSocketTransport(WebSocketOptions.builder(server.uri())
                    .bearerToken("tls-token-0123456789").sslContext(trustingContext())
                    .connectTimeout(Duration.ofSeconds(5)).build());
            List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.CompletableFuture<TransportClosed> closed = new java.util.concurrent.CompletableFuture<>();
            transport.start(new TransportListener() {
                @Override
                public void onLine(byte[] buffer, int offset, int length) {
                    received.add(new String(buffer, offset, length, StandardCharsets.UTF_8));
                }

                @Override
                public void onClosed(TransportClosed end) {
                    closed.complete(end);
                }
            });
            try {
                assertThat(server.upgradeHeaders()).containsEntry("authorization", "Bearer tls-token-0123456789");
                transport.send("{\"method\":\"over/tls\"}".getBytes(StandardCharsets.UTF_8));
                assertThat(server.receive()).isEqualTo("{\"method\":\"over/tls\"}");
                server.send("{\"method\":\"back\"}");
                server.closeWith(1000, "");
                assertThat(closed.get(10, TimeUnit.SECONDS).reason()).contains("close code 1000");
                assertThat(received).containsExactly("{\"method\":\"back\"}");
            } finally {
                transport.close();
            }
        }
    }

    @Test
    void theJdkTrustStoreRefusesASelfSignedCertificateAndStartSaysTls() throws Exception {
        try (FakeWebSocketServer server = FakeWebSocketServer.startTls(serverContext())) {
            WebSocketTransport transport = new WebSocketTransport(WebSocketOptions.builder(server.uri())
                    .connectTimeout(Duration.ofSeconds(5)).build());
            assertThatThrownBy(() -> transport.start(new TransportListener() {
                @Override
                public void onLine(byte[] buffer, int offset, int length) {}

                @Override
                public void onClosed(TransportClosed closed) {}
            })).isInstanceOf(IOException.class)
                    .hasMessageStartingWith("TLS with wss://127.0.0.1:" + server.uri().getPort() + "/rpc failed: ");
        }
    }

    @Test
    void aTrustedCertificateForAnotherHostIsRefused() throws Exception {
        // trusted, valid, but issued to other.example: a man in the middle with any trusted certificate looks so
        try (FakeWebSocketServer server = FakeWebSocketServer.startTls(serverContext(otherHost))) {
            WebSocketTransport transport = new WebSocketTransport(WebSocketOptions.builder(server.uri())
                    .bearerToken("tls-token-0123456789").sslContext(trustingContext(otherHost))
                    .connectTimeout(Duration.ofSeconds(5)).build());
            assertThatThrownBy(() -> transport.start(new TransportListener() {
                @Override
                public void onLine(byte[] buffer, int offset, int length) {}

                @Override
                public void onClosed(TransportClosed closed) {}
            })).isInstanceOf(IOException.class)
                    .hasMessageStartingWith("TLS with wss://127.0.0.1:" + server.uri().getPort() + "/rpc failed: ")
                    .hasMessageContaining("127.0.0.1").hasMessageNotContaining("tls-token-0123456789");
        }
    }

    @Test
    void keepAlivePingsOverTlsLeaveTheConnectionUsable() throws Exception {
        // the reader wakes from a read timeout on the TLS socket to ping: the socket must survive it
        try (FakeWebSocketServer server = FakeWebSocketServer.startTls(serverContext())) {
            WebSocketTransport transport = new WebSocketTransport(WebSocketOptions.builder(server.uri())
                    .sslContext(trustingContext()).pingInterval(Duration.ofMillis(500)) // room for a loaded machine
                    .connectTimeout(Duration.ofSeconds(5)).build());
            java.util.concurrent.BlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();
            transport.start(new TransportListener() {
                @Override
                public void onLine(byte[] buffer, int offset, int length) {
                    received.add(new String(buffer, offset, length, StandardCharsets.UTF_8));
                }

                @Override
                public void onClosed(TransportClosed closed) {
                    received.add("closed: " + closed.reason());
                }
            });
            try {
                assertThat(server.awaitPings(3, 20)).as("three pings over TLS").isTrue();
                server.send("{\"method\":\"after/pings\"}");
                assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("{\"method\":\"after/pings\"}");
                transport.send("{\"method\":\"still/writes\"}".getBytes(StandardCharsets.UTF_8));
                assertThat(server.receive()).isEqualTo("{\"method\":\"still/writes\"}");
            } finally {
                transport.close();
            }
        }
    }

    @Test
    void aTlsHandshakeThatTricklesInFailsWithinTheConnectTimeout() throws Exception {
        // a peer (or anyone on the path) sends the start of a TLS record and then a byte now and then: each read
        // returns within the socket timeout, so only a deadline over the whole handshake ends it
        try (java.net.ServerSocket raw = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            TestThreads.start("test-tls-trickler", () -> {
                try (java.net.Socket s = raw.accept()) {
                    s.getOutputStream().write(new byte[] {0x16, 0x03, 0x03, 0x00, (byte) 0xC8}); // 200 bytes follow
                    WebSocketTransportTest.trickle(s.getOutputStream(), 200);
                }
            });
            String endpoint = "wss://127.0.0.1:" + raw.getLocalPort();
            WebSocketTransport transport = new WebSocketTransport(WebSocketOptions.builder(java.net.URI.create(endpoint))
                    .sslContext(trustingContext()).connectTimeout(Duration.ofMillis(500)).build());
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> transport.start(new TransportListener() {
                @Override
                public void onLine(byte[] buffer, int offset, int length) {}

                @Override
                public void onClosed(TransportClosed closed) {}
            })).isInstanceOf(IOException.class).hasMessage("connecting to " + endpoint + " timed out after PT0.5S");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void closeReturnsWithinItsGraceWhileATlsWriteIsBlockedOnAServerThatReadsNothing() throws Exception {
        // SSLSocket.close() sends close_notify, under the lock a blocked write holds: closing must not go that way
        try (FakeWebSocketServer server = FakeWebSocketServer.startTls(serverContext()).readNothing()) {
            WebSocketTransport transport = new WebSocketTransport(WebSocketOptions.builder(server.uri())
                    .sslContext(trustingContext()).pingInterval(Duration.ZERO)
                    .connectTimeout(Duration.ofSeconds(5)).build());
            java.util.concurrent.CompletableFuture<TransportClosed> closed = new java.util.concurrent.CompletableFuture<>();
            transport.start(new TransportListener() {
                @Override
                public void onLine(byte[] buffer, int offset, int length) {}

                @Override
                public void onClosed(TransportClosed end) {
                    closed.complete(end);
                }
            });
            byte[] big = ("{\"x\":\"" + "a".repeat(512 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
            java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.CompletableFuture<Void> sending = TestThreads.start("test-tls-sender", () -> {
                while (true) {
                    transport.send(big);
                    sent.incrementAndGet();
                }
            });
            // a write blocked in the socket shows no state of its own: the sender is stuck once it stops advancing
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            for (long before = -1; before != sent.get(); ) {
                assertThat(System.nanoTime()).as("the writes block").isLessThan(deadline);
                before = sent.get();
                Thread.sleep(500); // no event marks a write that does not return
            }

            long t0 = System.nanoTime();
            java.util.concurrent.CompletableFuture<Void> closing = TestThreads.start("test-closer",
                    () -> transport.close(Duration.ofMillis(300)));
            assertThat(closing).as("close(300 ms)").succeedsWithin(Duration.ofSeconds(5));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
            assertThat(closed.get(5, TimeUnit.SECONDS).requestedByClient()).isTrue();
            assertThat(sending).failsWithin(Duration.ofSeconds(5));
        }
    }

    @Test
    void anSslContextForAPlainWsUriIsRefused() {
        assertThatThrownBy(() -> WebSocketOptions.builder(java.net.URI.create("ws://127.0.0.1:1"))
                .sslContext(SSLContext.getDefault()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wss:// only");
    }
}
