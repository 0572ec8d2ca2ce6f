package dev.codex4j.appserver.bench;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.AppServerClient;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keeps the WebSocket rows' harness compiling and correct: {@link WebSocketBenchServer}'s frames, its flood and
 * echo through both {@link AppServerClient} and {@link WebSocketBaseline}, and its side of RFC 6455 on a raw
 * socket (the accept key, pings, fragments, close, an unmasked frame refused). Counts, ids and bytes, never
 * timings.
 */
@Timeout(60)
class WebSocketBenchServerSmokeTest {

    private static WebSocketBenchServer.Handle server;

    @BeforeAll
    static void startServer() throws Exception {
        server = WebSocketBenchServer.Handle.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void notificationFramesAreTheStdioLinesWithoutTheirNewline() {
        byte[][] lines = BenchServer.notificationLines();
        byte[][] frames = WebSocketBenchServer.notificationFrames();
        assertThat(frames.length).isEqualTo(lines.length);
        for (int i = 0; i < lines.length; i++) {
            int length = lines[i].length - 1;
            assertThat(length).isBetween(126, 65535); // a 16-bit extended length
            assertThat(Arrays.copyOfRange(frames[i], 0, 4))
                    .containsExactly(0x81, 126, length >>> 8, length & 0xFF);
            assertThat(Arrays.copyOfRange(frames[i], 4, frames[i].length))
                    .isEqualTo(Arrays.copyOf(lines[i], length));
        }
    }

    @Test
    void acceptKeyIsTheRfcExample() {
        assertThat(WebSocketBenchServer.accept("dGhlIHNhbXBsZSBub25jZQ==")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    @Test
    void clientReceivesTheFloodAndEchoes() throws Exception {
        try (AppServerClient client = AppServerClient.builder().webSocket(server.uri()).build()) {
            BenchServerSmokeTest.floodAndEchoes(client);
        }
    }

    @Test
    void baselineReceivesTheFloodAndEchoes() throws Exception {
        try (WebSocketBaseline baseline = WebSocketBaseline.connect(server.uri())) {
            BenchServerSmokeTest.floodAndEchoes(baseline);
        }
    }

    @Test
    void speaksTheServerSideOfRfc6455() throws Exception {
        try (Socket socket = new Socket(server.uri().getHost(), server.uri().getPort())) {
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            String head = WebSocketBenchServer.clientUpgrade(out, in);
            assertThat(head).startsWith("HTTP/1.1 101").contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

            out.write(WebSocketBenchServer.clientFrame(0x89, "hi".getBytes(US_ASCII)));
            assertThat(readFrame(in)).isEqualTo("8A:hi");

            byte[] request = "{\"id\":7,\"method\":\"bench/echo\",\"params\":{\"seq\":42}}".getBytes(UTF_8);
            out.write(WebSocketBenchServer.clientFrame(0x01, Arrays.copyOf(request, 10))); // text, not final
            out.write(WebSocketBenchServer.clientFrame(0x80, Arrays.copyOfRange(request, 10, request.length))); // final continuation
            assertThat(readFrame(in)).isEqualTo("81:{\"id\":7,\"result\":{\"id\":7,\"seq\":42}}");

            out.write(WebSocketBenchServer.clientFrame(0x81, "{\"id\":8,\"method\":\"bench/flood\",\"params\":{\"count\":3}}".getBytes(UTF_8)));
            for (int i = 0; i < 3; i++) {
                assertThat(readFrame(in)).startsWith("81:{\"method\":\"item/agentMessage/delta\"");
            }
            assertThat(readFrame(in)).isEqualTo("81:{\"id\":8,\"result\":{\"sent\":3}}");

            out.write(WebSocketBenchServer.clientFrame(0x88, new byte[] {0x03, (byte) 0xE8}));
            assertThat(readFrame(in)).isEqualTo("88:\u0003\u00e8");
            assertThat(in.read()).isEqualTo(-1);
        }
        try (Socket socket = new Socket(server.uri().getHost(), server.uri().getPort())) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            WebSocketBenchServer.clientUpgrade(socket.getOutputStream(), in);
            socket.getOutputStream().write(new byte[] {(byte) 0x81, 2, 'h', 'i'}); // unmasked: refused
            assertThat(readFrame(in)).isEqualTo("88:\u0003\u00ea"); // 1002, protocol error
        }
    }

    /** "XX:payload", the first byte in hex; the server's frames are unmasked. */
    private static String readFrame(DataInputStream in) throws IOException {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        assertThat(b1 & 0x80).as("server frames are unmasked").isZero();
        int length = b1 & 0x7F;
        if (length == 126) {
            length = in.readUnsignedShort();
        }
        byte[] payload = new byte[length];
        in.readFully(payload);
        return String.format("%02X:", b0) + new String(payload, ISO_8859_1); // close codes are bytes
    }
}
