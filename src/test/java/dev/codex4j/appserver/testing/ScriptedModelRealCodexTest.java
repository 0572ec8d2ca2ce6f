package dev.codex4j.appserver.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.testing.ScriptedModel.RecordedRequest;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Proves {@link ScriptedModel} and {@link RealCodex} drive the real pinned {@code codex app-server} through
 * each path the client library needs: plain and streamed answers, both approval kinds, and model failures.
 *
 * <p>With {@code -Dcodex4j.record.fixtures=true} the passing scenarios also write every stdout line of codex
 * to {@code src/test/resources/fixtures/real-codex-<version>/<scenario>.jsonl}, for decoder tests.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ScriptedModelRealCodexTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private ScriptedModel model;
    private RealCodex codex;
    private RawAppServer server;
    private String fixtureName;

    @BeforeEach
    void setUp() throws IOException {
        model = ScriptedModel.start();
        codex = RealCodex.forModel(model);
        server = RawAppServer.start(codex);
        server.handshake();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (server != null) {
                server.close(); // first: the fixture needs every stdout line, the temp dirs an exited process
            }
            if (fixtureName != null) {
                writeFixture(fixtureName, server.stdoutLines());
            }
        } finally {
            codex.close();
            model.close();
        }
    }

    @Test
    void plainMessageTurnCompletesWithTheText() {
        model.enqueue(Reply.message("Hello from the scripted model"));

        String threadId = server.startThread();
        String turnId = server.startTurn(threadId, "say hello");

        JsonNode item = server.await(itemCompleted("agentMessage"), "agentMessage item/completed");
        assertThat(item.at("/params/item/text").asText()).isEqualTo("Hello from the scripted model");
        assertThat(item.at("/params/turnId").asText()).isEqualTo(turnId);
        JsonNode turn = server.awaitNotification("turn/completed").at("/params/turn");
        assertThat(turn.path("id").asText()).isEqualTo(turnId);
        assertThat(turn.path("status").asText()).isEqualTo("completed");

        RecordedRequest request = model.awaitRequests(1, REQUEST_TIMEOUT).get(0);
        assertThat(request.body().path("model").asText()).isEqualTo(RealCodex.MODEL);
        assertThat(request.body().path("stream").asBoolean()).isTrue();
        assertThat(request.inputItems("message")).anySatisfy(message ->
                assertThat(message.toString()).contains("say hello"));
        assertThat(request.header("Authorization")).as("no credential may reach the model").isNull();
        fixtureName = "plain-message";
    }

    @Test
    void streamedDeltasConcatenateToTheFinalText() {
        model.enqueue(Reply.streamedMessage("Hel", "lo", " world"));

        String threadId = server.startThread();
        server.startTurn(threadId, "stream something");

        JsonNode item = server.await(itemCompleted("agentMessage"), "agentMessage item/completed");
        String itemId = item.at("/params/item/id").asText();
        List<JsonNode> deltas = server.consumed().stream()
                .filter(m -> "item/agentMessage/delta".equals(m.path("method").asText()))
                .toList();
        assertThat(deltas).hasSize(3).allSatisfy(delta ->
                assertThat(delta.at("/params/itemId").asText()).isEqualTo(itemId));
        assertThat(deltas.stream().map(d -> d.at("/params/delta").asText()).collect(Collectors.joining()))
                .isEqualTo("Hello world")
                .isEqualTo(item.at("/params/item/text").asText());
        assertThat(server.awaitNotification("turn/completed").at("/params/turn/status").asText()).isEqualTo("completed");
        fixtureName = "streamed-message";
    }

    @Test
    void acceptedEscalatedCommandRunsAndItsOutputGoesBackToTheModel() throws IOException {
        model.enqueue(
                Reply.escalatedExecCommand("call-exec-1", "echo hi > out.txt", "The test needs a file"),
                Reply.message("Wrote out.txt"));

        String threadId = server.startThread();
        String turnId = server.startTurn(threadId, "write out.txt");

        JsonNode approval = server.awaitServerRequest("item/commandExecution/requestApproval");
        assertThat(approval.at("/params/threadId").asText()).isEqualTo(threadId);
        assertThat(approval.at("/params/turnId").asText()).isEqualTo(turnId);
        assertThat(approval.at("/params/command").asText()).contains("echo hi > out.txt");
        assertThat(approval.at("/params/reason").asText()).isEqualTo("The test needs a file");
        server.respond(approval, JSON.createObjectNode().put("decision", "accept"));

        JsonNode command = server.await(itemCompleted("commandExecution"), "commandExecution item/completed");
        assertThat(command.at("/params/item/status").asText()).isEqualTo("completed");
        assertThat(server.awaitNotification("turn/completed").at("/params/turn/status").asText()).isEqualTo("completed");
        assertThat(Files.readString(codex.workspace().resolve("out.txt"))).isEqualTo("hi\n");

        List<RecordedRequest> requests = model.awaitRequests(2, REQUEST_TIMEOUT);
        assertThat(requests.get(1).inputItems("function_call_output"))
                .singleElement()
                .satisfies(output -> assertThat(output.path("call_id").asText()).isEqualTo("call-exec-1"));
        assertThat(model.remainingReplies()).isZero();
        fixtureName = "command-approval-accept";
    }

    @Test
    void acceptedApplyPatchWritesTheFile() throws IOException {
        model.enqueue(
                Reply.applyPatchAddFile("call-patch-1", "hello.txt", "hello\nworld"),
                Reply.message("Added hello.txt"));

        String threadId = server.startThread();
        server.startTurn(threadId, "add hello.txt");

        JsonNode approval = server.awaitServerRequest("item/fileChange/requestApproval");
        assertThat(approval.at("/params/threadId").asText()).isEqualTo(threadId);
        server.respond(approval, JSON.createObjectNode().put("decision", "accept"));

        JsonNode change = server.await(itemCompleted("fileChange"), "fileChange item/completed");
        assertThat(change.at("/params/item/status").asText()).isEqualTo("completed");
        assertThat(server.awaitNotification("turn/completed").at("/params/turn/status").asText()).isEqualTo("completed");
        assertThat(Files.readString(codex.workspace().resolve("hello.txt"))).isEqualTo("hello\nworld\n");
        assertThat(model.awaitRequests(2, REQUEST_TIMEOUT).get(1).inputItems("function_call_output")).hasSize(1);
        fixtureName = "file-change-approval-accept";
    }

    @Test
    void modelHttpErrorFailsTheTurn() {
        model.enqueue(Reply.httpError(500, "{\"error\":{\"message\":\"scripted outage\",\"type\":\"server_error\"}}"));

        String threadId = server.startThread();
        String turnId = server.startTurn(threadId, "this will fail");

        JsonNode error = server.awaitNotification("error").path("params");
        assertThat(error.at("/error/codexErrorInfo").asText()).isEqualTo("internalServerError");
        assertThat(error.path("willRetry").asBoolean()).isFalse();
        assertThat(error.path("turnId").asText()).isEqualTo(turnId);
        JsonNode turn = server.awaitNotification("turn/completed").at("/params/turn");
        assertThat(turn.path("status").asText()).isEqualTo("failed");
        assertThat(turn.path("error").isObject()).isTrue();
        assertThat(model.requests()).as("request_max_retries=0: no retry").hasSize(1);
        fixtureName = "model-http-error";
    }

    @Test
    void exhaustedScriptFailsTheTurnInsteadOfHanging() {
        String threadId = server.startThread();
        server.startTurn(threadId, "nobody scripted this");

        JsonNode turn = server.awaitNotification("turn/completed").at("/params/turn");
        assertThat(turn.path("status").asText()).isEqualTo("failed");
        assertThat(turn.at("/error/message").asText()).contains("script exhausted");
    }

    private static Predicate<JsonNode> itemCompleted(String itemType) {
        return m -> "item/completed".equals(m.path("method").asText())
                && itemType.equals(m.at("/params/item/type").asText());
    }

    private static void writeFixture(String scenario, List<String> lines) throws IOException {
        if (!Boolean.getBoolean("codex4j.record.fixtures")) {
            return;
        }
        Path dir = Path.of(System.getProperty("codex4j.project.dir"), "src", "test", "resources", "fixtures",
                "real-codex-" + System.getProperty("codex4j.codex.version"));
        Files.createDirectories(dir);
        Files.write(dir.resolve(scenario + ".jsonl"), lines, StandardCharsets.UTF_8);
    }
}
