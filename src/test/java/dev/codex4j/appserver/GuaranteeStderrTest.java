package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.testing.ClosingClients;
import dev.codex4j.appserver.testing.FakeClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promise 7, stderr: a child that floods stderr never blocks, and what the client keeps of it is capped.
 */
@Timeout(120)
class GuaranteeStderrTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long FLOOD_BYTES = 50_000_000;
    /** The stderr tail keeps 50 lines of at most 2,000 characters (plus a short "… (n chars)" note). */
    private static final int TAIL_LINES = 50;
    private static final int TAIL_LINE_CHARS = 2_000 + 40;

    @TempDir
    Path dir;

    @RegisterExtension
    final ClosingClients clients = new ClosingClients();
    private AppServerClient client;

    @Test
    void fiftyMegabytesOfStderrWhileAnswering1000RequestsAllCompleteAndTheTailStaysCapped() throws Exception {
        client = clients.add(FakeClients.builder(dir).build());
        client.start().block(WAIT);
        // lines longer than the tail keeps, and one far longer than a stderr line may grow in memory
        CompletableFuture<JsonNode> flood = client.request("fake/stderr",
                Map.of("bytes", FLOOD_BYTES, "line", "stderr flood " + "x".repeat(4_987))).toFuture();
        CompletableFuture<JsonNode> oneHugeLine = client.request("fake/stderr",
                Map.of("bytes", 1, "line", "no newline for a long time " + "y".repeat(5_000_000))).toFuture();

        List<CompletableFuture<JsonNode>> requests = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            requests.add(client.request("echo", Map.of("i", i)).toFuture());
        }
        for (int i = 0; i < 1000; i++) {
            assertThat(requests.get(i).get().get("i").asInt()).isEqualTo(i);
        }
        assertThat(flood.get().get("bytes").asLong()).isGreaterThanOrEqualTo(FLOOD_BYTES);
        assertThat(oneHugeLine.get().get("bytes").asLong()).isGreaterThan(5_000_000);

        List<String> tail = client.stderrTail();
        assertThat(tail).isNotEmpty().hasSizeLessThanOrEqualTo(TAIL_LINES);
        assertThat(tail).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(TAIL_LINE_CHARS));
        assertThat(client.request("echo", Map.of("after", "flood")).block(WAIT).get("after").asText())
                .isEqualTo("flood");
    }
}
