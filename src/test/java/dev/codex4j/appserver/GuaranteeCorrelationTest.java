package dev.codex4j.appserver;

import dev.codex4j.appserver.rpc.JsonRpcErrorException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.rpc.JsonRpcError;
import dev.codex4j.appserver.testing.ClosingClients;
import dev.codex4j.appserver.testing.FakeClients;
import dev.codex4j.appserver.testing.LogCapture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promise 4, correlation: responses reach exactly the request they answer. Stray, duplicate, misshapen and
 * string-id responses disturb no other request, and thousands of concurrent requests answered out of order
 * each get their own answer.
 */
@Timeout(120)
class GuaranteeCorrelationTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @RegisterExtension
    final ClosingClients clients = new ClosingClients();
    private AppServerClient client;

    private AppServerClient started(String... fakeArgs) {
        client = clients.add(FakeClients.builder(dir, fakeArgs).build());
        client.start().block(WAIT);
        return client;
    }

    @Test
    void aResponseWithAnIdNobodyWaitsForIsLoggedAndDroppedWhileAnotherRequestIsAnswered() throws Exception {
        started();
        CompletableFuture<JsonNode> other = client.request("fake/delay", Map.of("ms", 300, "result", "mine")).toFuture();
        try (LogCapture logs = LogCapture.start()) {
            client.request("fake/emit", Map.of("lines", List.of("{\"id\":999999,\"result\":{\"stray\":true}}")))
                    .block(WAIT);
            assertThat(other.get().asText()).isEqualTo("mine");
            assertThat(logs.lines(Level.WARN)).anyMatch(l -> l.contains("dropping a response to id 999999"));
        }
        assertThat(client.pendingRequestCount()).isZero();
    }

    @Test
    void aDuplicateResponseIsDroppedAndTheFirstAnswerWins() throws Exception {
        started();
        try (LogCapture logs = LogCapture.start()) {
            // the fake writes a forged answer to this very request, then its real one: a duplicate
            JsonNode result = client.request("fake/emit", Map.of(
                    "lines", List.of("{\"id\":{{id}},\"result\":{\"first\":true}}"))).block(WAIT);

            assertThat(result).isEqualTo(client.objectMapper().readTree("{\"first\":true}"));
            assertThat(client.request("echo", Map.of("n", 2)).block(WAIT).get("n").asInt()).isEqualTo(2);
            assertThat(logs.lines(Level.WARN)).anyMatch(l -> l.contains("dropping a response to id")
                    && l.contains("answered twice"));
        }
    }

    @Test
    void aResponseOfTheWrongShapeFailsOnlyItsOwnRequest() throws Exception {
        started();
        CompletableFuture<JsonNode> other = client.request("fake/delay", Map.of("ms", 300, "result", "mine")).toFuture();

        assertThatThrownBy(() -> client.request("fake/emit", Map.of("then", "none",
                "lines", List.of("{\"id\":{{id}},\"error\":\"boom\"}"))).block(WAIT))
                .isInstanceOfSatisfying(JsonRpcErrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(JsonRpcError.INTERNAL_ERROR);
                    assertThat(e.errorMessage()).contains("malformed error").contains("boom");
                });
        JsonNode noResultNoError = client.request("fake/emit", Map.of("then", "none",
                "lines", List.of("{\"id\":{{id}}}"))).block(WAIT);
        assertThat(noResultNoError.isNull()).isTrue();
        client.request("fake/emit", Map.of("lines", List.of("{\"id\":{\"not\":\"an id\"},\"result\":{}}"))).block(WAIT);

        assertThat(client.malformedLineCount()).isEqualTo(1);
        assertThat(other.get().asText()).isEqualTo("mine");
    }

    @Test
    void anErrorResponseWithoutDataFailsTheRequestWithCodeMessageAndNullData() {
        started();
        assertThatThrownBy(() -> client.request("fake/error", Map.of("code", -32603, "message", "it broke")).block(WAIT))
                .isInstanceOfSatisfying(JsonRpcErrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(-32603);
                    assertThat(e.errorMessage()).isEqualTo("it broke");
                    assertThat(e.data()).isNull();
                    assertThat(e.method()).isEqualTo("fake/error");
                });
    }

    @Test
    void stringIdsAreAnsweredInKindAndAStringIdResponseDisturbsNoNumericRequest() throws Exception {
        started();
        JsonNode reply = client.request("fake/serverRequest",
                Map.of("method", "some/newRequest", "params", Map.of(), "id", "s-1")).block(WAIT).get("reply");
        assertThat(reply.get("id").isTextual()).isTrue();
        assertThat(reply.get("id").asText()).isEqualTo("s-1");
        assertThat(reply.at("/error/code").asInt()).isEqualTo(JsonRpcError.METHOD_NOT_FOUND);

        CompletableFuture<JsonNode> other = client.request("fake/delay", Map.of("ms", 300, "result", "mine")).toFuture();
        // our ids are numbers: a response to the string "7" (or to this request's id as a string) answers nothing
        JsonNode result = client.request("fake/emit", Map.of("lines", List.of(
                "{\"id\":\"7\",\"result\":{\"wrong\":true}}", "{\"id\":\"{{id}}\",\"result\":{\"wrong\":true}}")))
                .block(WAIT);
        assertThat(result.has("wrong")).isFalse();
        assertThat(other.get().asText()).isEqualTo("mine");
    }

    @Test
    void tenThousandConcurrentRequestsFrom16ThreadsAnsweredOutOfOrderEachGetTheirOwnResponse() throws Exception {
        started("--shuffle-responses=20");
        int threads = 16;
        int perThread = 10_000 / threads;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<Sent>>> sent = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                sent.add(pool.submit(() -> {
                    List<Sent> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        Map<String, Object> params = Map.of("thread", thread, "n", i,
                                "nonce", UUID.randomUUID().toString());
                        mine.add(new Sent(params, client.request("echo", params).toFuture()));
                    }
                    return mine;
                }));
            }
            int answered = 0;
            for (Future<List<Sent>> batch : sent) {
                for (Sent request : batch.get()) {
                    assertThat(request.response().get()).isEqualTo(client.objectMapper().valueToTree(request.params()));
                    answered++;
                }
            }
            assertThat(answered).isEqualTo(10_000);
            assertThat(client.pendingRequestCount()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    private record Sent(Map<String, Object> params, CompletableFuture<JsonNode> response) {}
}
