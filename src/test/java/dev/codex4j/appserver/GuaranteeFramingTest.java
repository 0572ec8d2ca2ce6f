package dev.codex4j.appserver;

import dev.codex4j.appserver.rpc.ConnectionClosedException;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.testing.ClosingClients;
import dev.codex4j.appserver.testing.FakeClients;
import dev.codex4j.appserver.testing.LogCapture;
import dev.codex4j.appserver.transport.LineTooLongException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promise 3, framing: no line kills the reader. Bad lines are logged (truncated) and counted while the good
 * lines around them are delivered; only a line beyond {@code maxLineBytes} ends the connection, loudly.
 */
@Timeout(120)
class GuaranteeFramingTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path dir;

    @RegisterExtension
    final ClosingClients clients = new ClosingClients();
    private AppServerClient client;

    @Test
    void a64MiBLineIsDeliveredIntactAndTheConnectionCarriesOn() throws Exception {
        client = clients.started(FakeClients.builder(dir));
        int size = 64 * MIB;
        CompletableFuture<Notification> big = client.notifications("big").next().toFuture();

        long lineBytes = client.request("fake/bigLine", Map.of("bytes", size)).block(WAIT).get("lineBytes").asLong();

        String text = big.get().params().get("text").textValue();
        assertThat(lineBytes).isGreaterThan(size);
        assertThat(text.length()).isEqualTo(size);
        for (int i = 0; i < size; i++) { // the fake writes 'a' + i % 26 at position i
            if (text.charAt(i) != (char) ('a' + i % 26)) {
                throw new AssertionError("character " + i + " is '" + text.charAt(i) + "'");
            }
        }
        assertThat(client.request("echo", Map.of("after", "big")).block(WAIT).get("after").asText()).isEqualTo("big");
    }

    @Test
    void aUtf8CharacterSplitAcrossReadsArrivesIntact() throws Exception {
        client = clients.started(FakeClients.builder(dir));
        byte[] line = "{\"method\":\"text\",\"params\":{\"t\":\"h€llo 😀\"}}\n".getBytes(StandardCharsets.UTF_8);
        int cut = new String(line, StandardCharsets.UTF_8).indexOf('€') + 1; // inside the 3-byte euro sign
        List<String> chunks = List.of(
                Base64.getEncoder().encodeToString(Arrays.copyOfRange(line, 0, cut)),
                Base64.getEncoder().encodeToString(Arrays.copyOfRange(line, cut, line.length)));
        CompletableFuture<Notification> text = client.notifications("text").next().toFuture();

        client.request("fake/emitBytes", Map.of("chunks", chunks, "pauseMs", 50)).block(WAIT);

        assertThat(text.get().params().get("t").asText()).isEqualTo("h€llo 😀");
    }

    @Test
    void lineAndParagraphSeparatorsInsideAStringDoNotSplitTheLine() throws Exception {
        client = clients.started(FakeClients.builder(dir));
        CompletableFuture<Notification> text = client.notifications("text").next().toFuture();

        // raw U+2028 and U+2029: valid inside JSON strings, and line breaks to some readers
        client.request("fake/emit", Map.of("lines", List.of(
                "{\"method\":\"text\",\"params\":{\"t\":\"one\u2028two\u2029three\"}}"))).block(WAIT);

        assertThat(text.get().params().get("t").asText()).isEqualTo("one\u2028two\u2029three");
        assertThat(client.malformedLineCount()).isZero();
    }

    @Test
    void strayNonJsonBlankArrayAndScalarLinesAreSkippedLoggedTruncatedAndCountedAndGoodLinesAroundThemDelivered()
            throws Exception {
        client = clients.started(FakeClients.builder(dir));
        CompletableFuture<List<Notification>> good = client.notifications("good").take(3).collectList().toFuture();
        String longGarbage = "garbage " + "z".repeat(100_000);

        try (LogCapture logs = LogCapture.start()) {
            client.request("fake/emit", Map.of("lines", List.of(
                    "{\"method\":\"good\",\"params\":{\"n\":1}}",
                    "not json at all", "", "   ", "[1,2,{\"method\":\"good\"}]", "42", "\"a string\"", "null",
                    "{\"method\":\"good\",\"params\":{\"n\":2}}",
                    longGarbage,
                    "{\"method\":\"good\",\"params\":{\"n\":3}}"))).block(WAIT);

            assertThat(good.get()).extracting(n -> n.params().get("n").asInt()).containsExactly(1, 2, 3);
            assertThat(client.malformedLineCount()).isEqualTo(6); // blank lines are not messages at all
            List<String> skipped = logs.lines(Level.WARN).stream().filter(l -> l.startsWith("skipping a malformed line"))
                    .toList();
            assertThat(skipped).hasSize(6).allSatisfy(l -> assertThat(l.length()).isLessThan(600));
            assertThat(skipped).anySatisfy(l -> assertThat(l).contains("garbage zzz").contains("(100008 bytes)"));
        }
        assertThat(client.request("echo", Map.of("still", "alive")).block(WAIT).get("still").asText())
                .isEqualTo("alive");
    }

    @Test
    void aLineBeyondMaxLineBytesFailsTheConnectionLoudlyInsteadOfExhaustingMemory() throws Exception {
        client = clients.started(FakeClients.builder(dir).maxLineBytes(MIB));
        CompletableFuture<List<Notification>> stream = client.notifications().collectList().toFuture();
        try (LogCapture logs = LogCapture.start()) {
            CompletableFuture<?> request = client.request("fake/bigLine", Map.of("bytes", 2 * MIB)).toFuture();

            Throwable failure = causeOf(request);
            assertThat(failure).isInstanceOf(ConnectionClosedException.class)
                    .hasMessageContaining("exceeds the maximum of " + MIB + " bytes")
                    .hasCauseInstanceOf(LineTooLongException.class);
            assertThat(causeOf(stream)).isInstanceOf(ConnectionClosedException.class);
            assertThat(logs.lines(Level.ERROR)).anyMatch(l -> l.contains("longer than " + MIB + " bytes"));
        }
        assertThat(client.isReady()).isFalse();
    }

    private static Throwable causeOf(CompletableFuture<?> future) throws InterruptedException {
        try {
            future.get();
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("completed instead of failing");
    }
}
