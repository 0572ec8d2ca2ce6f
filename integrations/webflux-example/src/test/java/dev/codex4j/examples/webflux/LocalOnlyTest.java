package dev.codex4j.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The page lets whoever reaches it run prompts on this machine's codex (online: on the owner's API key) and
 * accept their commands, so it serves this machine only: it listens on the loopback address, and it refuses a
 * request whose {@code Host} is not a loopback name (a page on another site that re-resolved its own name to
 * 127.0.0.1, DNS rebinding, is such a request).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LocalOnlyTest {

    @LocalServerPort
    int port;

    @Test
    void itDoesNotListenOnTheMachinesOtherAddresses() throws SocketException {
        List<InetAddress> external = NetworkInterface.networkInterfaces()
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .toList();
        Assumptions.assumeFalse(external.isEmpty(), "this machine has no non-loopback IPv4 address");
        for (InetAddress address : external) {
            assertThatThrownBy(() -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(address, port), 5_000);
                }
            }).as("connecting to %s:%d", address, port).isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void aRequestForAnotherHostIsRefused() throws IOException {
        assertThat(statusLine("evil.example:" + port)).contains(" 403");
        assertThat(statusLine("evil.example")).contains(" 403");
        assertThat(statusLine("localhost.evil.example:" + port)).contains(" 403");
        assertThat(statusLine("localhost:" + port)).contains(" 200");
        assertThat(statusLine("127.0.0.1:" + port)).contains(" 200");
        assertThat(statusLine("[::1]:" + port)).contains(" 200");
    }

    /** The status line of {@code GET /} sent with {@code Host: host} (the JDK's HTTP client will not set Host). */
    private String statusLine(String host) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != -1 && c != '\r'; c = in.read()) {
                line.append((char) c);
            }
            return line.toString();
        }
    }
}
