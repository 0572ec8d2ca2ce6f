package dev.codex4j.appserver;

import dev.codex4j.appserver.rpc.OverloadRetryPolicy;
import dev.codex4j.appserver.rpc.ServerOverloadedException;
import dev.codex4j.appserver.rpc.JsonRpcErrorException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.rpc.JsonRpcError;
import dev.codex4j.appserver.testing.ClosingClients;
import dev.codex4j.appserver.testing.FakeClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promise 6, overload: JSON-RPC error -32001 is retried with exponential backoff and jitter, bounded in count
 * and time, and surfaced as {@link ServerOverloadedException} once the budget is spent; no other error is
 * ever retried.
 */
@Timeout(60)
class GuaranteeOverloadTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @RegisterExtension
    final ClosingClients clients = new ClosingClients();
    private AppServerClient client;

    private AppServerClient started(OverloadRetryPolicy retry) {
        client = clients.add(FakeClients.builder(dir).overloadRetry(retry).build());
        client.start().block(WAIT);
        return client;
    }

    /** Makes the fake answer the next {@code count} echo requests with {@code code}. */
    private void failNextEchoes(int count, int code) {
        client.request("fake/failNext", Map.of("method", "echo", "count", count, "code", code)).block(WAIT);
    }

    /** How many echo requests reached the fake. */
    private long echoesReceived() {
        JsonNode methods = client.request("fake/inspect", null).block(WAIT).get("requestMethods");
        return StreamSupport.stream(methods.spliterator(), false).filter(m -> m.asText().equals("echo")).count();
    }

    @Test
    void anOverloadedAnswerIsRetriedWithBackoffUntilTheRequestSucceeds() {
        started(OverloadRetryPolicy.of(5, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(10)));
        failNextEchoes(3, JsonRpcError.SERVER_OVERLOADED);

        long sentAt = System.nanoTime();
        JsonNode result = client.request("echo", Map.of("n", 1)).block(WAIT);
        Duration took = Duration.ofNanos(System.nanoTime() - sentAt);

        assertThat(result.get("n").asInt()).isEqualTo(1);
        assertThat(echoesReceived()).isEqualTo(4);
        // waits of at least half of 100, 200 and 400 ms (the other half is jitter)
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(50 + 100 + 200));
    }

    @Test
    void whenTheAttemptBudgetIsSpentTheCallerGetsServerOverloadedException() {
        started(OverloadRetryPolicy.of(3, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(10)));
        failNextEchoes(100, JsonRpcError.SERVER_OVERLOADED);

        assertThatThrownBy(() -> client.request("echo", Map.of()).block(WAIT))
                .isInstanceOfSatisfying(ServerOverloadedException.class, e -> {
                    assertThat(e.attempts()).isEqualTo(3);
                    assertThat(e.code()).isEqualTo(JsonRpcError.SERVER_OVERLOADED);
                    assertThat(e.method()).isEqualTo("echo");
                    assertThat(e).hasMessageContaining("3 times").hasMessageContaining("Server overloaded");
                });
        assertThat(echoesReceived()).isEqualTo(3);
    }

    @Test
    void whenTheTimeBudgetIsSpentTheCallerGetsServerOverloadedExceptionEarly() {
        Duration maxTotal = Duration.ofMillis(500);
        started(OverloadRetryPolicy.of(1000, Duration.ofMillis(100), Duration.ofMillis(100), maxTotal));
        failNextEchoes(1000, JsonRpcError.SERVER_OVERLOADED);

        long sentAt = System.nanoTime();
        assertThatThrownBy(() -> client.request("echo", Map.of()).block(WAIT))
                .isInstanceOfSatisfying(ServerOverloadedException.class, e -> {
                    assertThat(e.attempts()).isBetween(2, 12);
                    // no backoff is started that would end past the budget; the last answer's own trip may
                    assertThat(e.elapsed()).isLessThanOrEqualTo(maxTotal.plusMillis(100));
                });
        assertThat(Duration.ofNanos(System.nanoTime() - sentAt)).isLessThan(maxTotal.plusSeconds(1));
    }

    @Test
    void otherErrorsAreNeverRetried() {
        started(OverloadRetryPolicy.of(5, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(10)));
        failNextEchoes(1, JsonRpcError.INTERNAL_ERROR);

        assertThatThrownBy(() -> client.request("echo", Map.of()).block(WAIT))
                .isInstanceOf(JsonRpcErrorException.class).isNotInstanceOf(ServerOverloadedException.class)
                .satisfies(e -> assertThat(((JsonRpcErrorException) e).code()).isEqualTo(JsonRpcError.INTERNAL_ERROR));
        assertThat(echoesReceived()).isEqualTo(1);
    }

    @Test
    void retriesCanBeTurnedOff() {
        started(OverloadRetryPolicy.none());
        failNextEchoes(1, JsonRpcError.SERVER_OVERLOADED);

        assertThatThrownBy(() -> client.request("echo", Map.of()).block(WAIT))
                .isInstanceOfSatisfying(ServerOverloadedException.class, e -> assertThat(e.attempts()).isEqualTo(1));
        assertThat(echoesReceived()).isEqualTo(1);
    }

    @Test
    void theBackoffDoublesUpToItsCapWithJitterOfHalfTheWait() {
        OverloadRetryPolicy retry = OverloadRetryPolicy.of(10, Duration.ofMillis(100), Duration.ofMillis(800), Duration.ofMinutes(1));
        Random random = new Random(42);
        long[] ceilings = {100, 200, 400, 800, 800, 800};
        for (int n = 1; n <= ceilings.length; n++) {
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                long ms = retry.backoff(n, random).toMillis();
                assertThat(ms).as("retry %d", n).isBetween(ceilings[n - 1] / 2, ceilings[n - 1]);
                seen.add(ms);
            }
            assertThat(seen).as("jitter of retry %d", n).hasSizeGreaterThan(10);
        }
        assertThat(OverloadRetryPolicy.defaults().maxAttempts()).isEqualTo(5);
        assertThatThrownBy(() -> OverloadRetryPolicy.of(0, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofMillis(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OverloadRetryPolicy.of(2, Duration.ofMillis(10), Duration.ofMillis(1), Duration.ofMillis(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
