package dev.codex4j.appserver.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.testing.ScriptedModel.RecordedRequest;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The scripted model on its own, driven by the JDK HTTP client: wire shapes, ordering, recording, failures. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ScriptedModelTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUEST_BODY = "{\"model\":\"mock-model\",\"input\":[],\"stream\":true}";

    private final HttpClient http = HttpClient.newHttpClient();
    private ScriptedModel model;

    @BeforeEach
    void start() {
        model = ScriptedModel.start();
    }

    @AfterEach
    void stop() {
        model.close();
    }

    @Test
    void plainMessageIsCreatedItemDoneCompletedWithUsage() throws Exception {
        model.enqueue(Reply.message("hi there"));

        HttpResponse<String> response = post("/v1/responses", REQUEST_BODY);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
        assertThat(response.body()).isEqualTo(""
                + "event: response.created\n"
                + "data: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\"}}\n\n"
                + "event: response.output_item.done\n"
                + "data: {\"type\":\"response.output_item.done\",\"item\":{\"type\":\"message\",\"role\":\"assistant\","
                + "\"id\":\"msg_1\",\"content\":[{\"type\":\"output_text\",\"text\":\"hi there\"}]}}\n\n"
                + "event: response.completed\n"
                + "data: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"usage\":{\"input_tokens\":10,"
                + "\"input_tokens_details\":null,\"output_tokens\":5,\"output_tokens_details\":null,\"total_tokens\":15}}}\n\n");
    }

    @Test
    void streamedMessageAddsDeltasBeforeTheDoneItem() throws Exception {
        model.enqueue(Reply.streamedMessage("Hel", "lo").withUsage(3, 4));

        List<JsonNode> events = events(post("/v1/responses", REQUEST_BODY).body());

        assertThat(events).extracting(e -> e.path("type").asText()).containsExactly(
                "response.created", "response.output_item.added", "response.output_text.delta",
                "response.output_text.delta", "response.output_item.done", "response.completed");
        String itemId = events.get(1).at("/item/id").asText();
        assertThat(events.get(2).path("item_id").asText()).isEqualTo(itemId);
        assertThat(events.get(3).path("delta").asText()).isEqualTo("lo");
        assertThat(events.get(4).at("/item/content/0/text").asText()).isEqualTo("Hello");
        assertThat(events.get(5).at("/response/usage/total_tokens").asInt()).isEqualTo(7);
    }

    @Test
    void repliesAreConsumedInOrderWithFreshIds() throws Exception {
        model.enqueue(Reply.message("first"), Reply.message("second"));

        List<JsonNode> first = events(post("/v1/responses", REQUEST_BODY).body());
        List<JsonNode> second = events(post("/v1/responses", REQUEST_BODY).body());

        assertThat(first.get(1).at("/item/content/0/text").asText()).isEqualTo("first");
        assertThat(second.get(1).at("/item/content/0/text").asText()).isEqualTo("second");
        assertThat(second.get(1).at("/item/id").asText()).isNotEqualTo(first.get(1).at("/item/id").asText());
        assertThat(model.remainingReplies()).isZero();
    }

    @Test
    void escalatedExecCommandCarriesTheEscalationArguments() throws Exception {
        model.enqueue(Reply.escalatedExecCommand("call-1", "echo \"hi\" > out.txt", "needs a file"));

        JsonNode item = events(post("/v1/responses", REQUEST_BODY).body()).get(1).path("item");

        assertThat(item.path("type").asText()).isEqualTo("function_call");
        assertThat(item.path("call_id").asText()).isEqualTo("call-1");
        assertThat(item.path("name").asText()).isEqualTo("exec_command");
        assertThat(JSON.readTree(item.path("arguments").asText())).isEqualTo(JSON.readTree(
                "{\"cmd\":\"echo \\\"hi\\\" > out.txt\",\"sandbox_permissions\":\"require_escalated\","
                        + "\"justification\":\"needs a file\"}"));
    }

    @Test
    void applyPatchAddFileIsAnApplyPatchHeredoc() throws Exception {
        model.enqueue(Reply.applyPatchAddFile("call-2", "notes/hello.txt", "hello\nworld\n"));

        JsonNode item = events(post("/v1/responses", REQUEST_BODY).body()).get(1).path("item");

        assertThat(JSON.readTree(item.path("arguments").asText()).path("cmd").asText()).isEqualTo(
                "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: notes/hello.txt\n+hello\n+world\n*** End Patch\nEOF\n");
    }

    @Test
    void messageFollowedByToolCallIsOneResponse() throws Exception {
        model.enqueue(Reply.message("running it").followedBy(Reply.execCommand("call-3", "ls")));

        List<JsonNode> events = events(post("/v1/responses", REQUEST_BODY).body());

        assertThat(events).extracting(e -> e.at("/item/type").asText())
                .containsExactly("", "message", "function_call", "");
    }

    @Test
    void httpErrorIsSentAsIs() throws Exception {
        model.enqueue(Reply.httpError(503, "{\"error\":{\"message\":\"down\"}}"));

        HttpResponse<String> response = post("/v1/responses", REQUEST_BODY);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("{\"error\":{\"message\":\"down\"}}");
    }

    @Test
    void exhaustedScriptAnswersWithAnErrorSayingSo() throws Exception {
        HttpResponse<String> response = post("/v1/responses", REQUEST_BODY);

        assertThat(response.statusCode()).isEqualTo(501);
        assertThat(JSON.readTree(response.body()).at("/error/message").asText())
                .contains("script exhausted").contains("request #1");
    }

    @Test
    void theResponderAnswersWhatTheScriptDoesNotFromTheRequest() throws Exception {
        model.enqueue(Reply.message("scripted"));
        model.whenScriptEmpty(request -> Reply.message("you sent " + request.body().path("input").size() + " items"));

        List<JsonNode> scripted = events(post("/v1/responses", REQUEST_BODY).body());
        List<JsonNode> answered = events(post("/v1/responses",
                "{\"model\":\"mock-model\",\"input\":[{},{}],\"stream\":true}").body());

        assertThat(scripted.get(1).at("/item/content/0/text").asText()).isEqualTo("scripted");
        assertThat(answered.get(1).at("/item/content/0/text").asText()).isEqualTo("you sent 2 items");
        assertThat(model.requests()).hasSize(2);
    }

    @Test
    void unknownPathIsRefusedAndNotRecorded() throws Exception {
        model.enqueue(Reply.message("unused"));

        HttpResponse<String> response = post("/v1/chat/completions", REQUEST_BODY);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("serves only POST /v1/responses");
        assertThat(model.requests()).isEmpty();
        assertThat(model.remainingReplies()).isEqualTo(1);
    }

    @Test
    void requestsAreRecordedAndAwaitable() throws Exception {
        model.enqueue(Reply.message("a"), Reply.message("b"));
        CompletableFuture<RecordedRequest> second = model.request(1);
        assertThat(second).isNotDone();

        post("/v1/responses", "{\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":\"ok\"}]}");
        post("/v1/responses", REQUEST_BODY);

        List<RecordedRequest> requests = model.awaitRequests(2, Duration.ofSeconds(5));
        assertThat(second).isCompletedWithValue(requests.get(1));
        assertThat(requests.get(0).inputItems("function_call_output"))
                .singleElement()
                .satisfies(output -> assertThat(output.path("call_id").asText()).isEqualTo("c1"));
        assertThat(requests.get(1).body().path("model").asText()).isEqualTo("mock-model");
        assertThat(requests.get(1).header("content-type")).isEqualTo("application/json");
    }

    @Test
    void gzipRequestBodiesAreDecoded() throws Exception {
        model.enqueue(Reply.message("ok"));
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
            gzip.write(REQUEST_BODY.getBytes(StandardCharsets.UTF_8));
        }

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(model.baseUrl() + "/responses"))
                        .header("Content-Type", "application/json")
                        .header("Content-Encoding", "gzip")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(compressed.toByteArray()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(model.requests().get(0).body().path("stream").asBoolean()).isTrue();
    }

    @Test
    void awaitingRequestsThatNeverComeFailsWithACount() {
        assertThatThrownBy(() -> model.awaitRequests(1, Duration.ofMillis(50)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("expected 1 request(s)")
                .hasMessageContaining("but got 0");
    }

    @Test
    void closeStopsTheServer() {
        model.close();

        assertThatThrownBy(() -> post("/v1/responses", REQUEST_BODY)).isInstanceOf(IOException.class);
    }

    private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + model.port() + path);
        return http.send(HttpRequest.newBuilder(uri)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Parses an SSE body, checking that every event's {@code event:} line matches its data's {@code type}. */
    private static List<JsonNode> events(String body) throws IOException {
        List<JsonNode> events = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            String[] lines = block.split("\n");
            assertThat(lines).hasSize(2);
            assertThat(lines[0]).startsWith("event: ");
            assertThat(lines[1]).startsWith("data: ");
            JsonNode data = JSON.readTree(lines[1].substring("data: ".length()));
            assertThat(data.path("type").asText()).isEqualTo(lines[0].substring("event: ".length()));
            events.add(data);
        }
        return events;
    }
}
