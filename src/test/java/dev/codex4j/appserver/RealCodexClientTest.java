package dev.codex4j.appserver;

import dev.codex4j.appserver.rpc.NotInitializedException;
import dev.codex4j.appserver.rpc.JsonRpcErrorException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.types.ClientInfo;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.FileChangeApprovalDecision;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams;
import dev.codex4j.appserver.protocol.types.FileChangeRequestApprovalParams;
import dev.codex4j.appserver.protocol.types.InitializeResponse;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * End to end against the real pinned codex binary, offline: each test gets its own CODEX_HOME, workspace
 * and scripted model on 127.0.0.1.
 */
@Timeout(120)
class RealCodexClientTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private ScriptedModel model;
    private RealCodex codex;
    private AppServerClient client;
    private final List<Object> approvalsSeen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        model = ScriptedModel.start();
        codex = RealCodex.forModel(model);
    }

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
        model.close();
        codex.close();
    }

    private AppServerClientBuilder builder() {
        return codex.clientBuilder()
                .clientInfo(new ClientInfo("codex4j-test", "codex4j tests", "0.0.1"))
                .requestTimeout(WAIT);
    }

    private AppServerClient started(AppServerClientBuilder builder) {
        client = builder.build();
        client.start().block(WAIT);
        return client;
    }

    private String startThread() {
        return client.request("thread/start", Map.of()).block(WAIT).at("/thread/id").asText();
    }

    /** Runs one turn and returns the thread's notifications up to and including turn/completed. */
    private List<Notification> runTurn(String threadId, String text) throws Exception {
        CompletableFuture<List<Notification>> events = client.notifications()
                .filter(n -> threadId.equals(n.params().path("threadId").asText()))
                .takeUntil(n -> n.method().equals("turn/completed"))
                .collectList().toFuture();
        client.request("turn/start", Map.of("threadId", threadId,
                "input", List.of(Map.of("type", "text", "text", text)))).block(WAIT);
        return events.get();
    }

    private static List<JsonNode> completedItems(List<Notification> events, String type) {
        return events.stream().filter(n -> n.method().equals("item/completed"))
                .map(n -> n.params().get("item")).filter(i -> type.equals(i.path("type").asText())).toList();
    }

    private static JsonNode turn(List<Notification> events) {
        return events.get(events.size() - 1).params().get("turn");
    }

    private ApprovalDecisions acceptingAndRecording() {
        return ApprovalDecisions.builder()
                .onCommandExecution(r -> {
                    approvalsSeen.add(r);
                    return CommandExecutionApprovalDecision.ACCEPT;
                })
                .onFileChange(r -> {
                    approvalsSeen.add(r);
                    return FileChangeApprovalDecision.ACCEPT;
                })
                .build();
    }

    @Test
    void handshakeReportsTheServersIdentity() throws Exception {
        client = builder().build();
        CompletableFuture<List<Notification>> early = client.notifications().take(1).collectList().toFuture();
        InitializeResponse init = client.start().block(WAIT);
        assertThat(init.userAgent()).startsWith("codex4j-test/0.169.0");
        assertThat(init.codexHome()).isEqualTo(codex.codexHome().toString());
        assertThat(init.platformFamily()).isEqualTo("unix");
        assertThat(init.platformOs()).isEqualTo("linux");
        assertThat(client.isReady()).isTrue();
        // codex speaks first right after the handshake; a subscriber from before start() sees it
        assertThat(early.get()).hasSize(1);
    }

    @Test
    void listsModelsAndStartsAThread() {
        started(builder());
        JsonNode models = client.request("model/list", Map.of()).block(WAIT);
        assertThat(models.get("data").isArray()).isTrue();
        JsonNode thread = client.request("thread/start", Map.of()).block(WAIT).get("thread");
        assertThat(thread.get("id").asText()).isNotBlank();
    }

    @Test
    void streamedDeltasConcatenateToTheCompletedMessage() throws Exception {
        started(builder());
        model.enqueue(Reply.streamedMessage("Hel", "lo, ", "wor", "ld"));
        List<Notification> events = runTurn(startThread(), "say hello");
        String deltas = events.stream().filter(n -> n.method().equals("item/agentMessage/delta"))
                .map(n -> n.params().get("delta").asText()).collect(Collectors.joining());
        assertThat(deltas).isEqualTo("Hello, world");
        assertThat(completedItems(events, "agentMessage")).singleElement()
                .satisfies(item -> assertThat(item.get("text").asText()).isEqualTo(deltas));
        assertThat(turn(events).get("status").asText()).isEqualTo("completed");
    }

    @Test
    void anAcceptedCommandRuns() throws Exception {
        started(builder().approvals(acceptingAndRecording()));
        model.enqueue(Reply.escalatedExecCommand("call-1", "echo hi > out.txt", "the test needs a file"),
                Reply.message("done"));
        List<Notification> events = runTurn(startThread(), "write a file");
        assertThat(approvalsSeen).singleElement()
                .isInstanceOfSatisfying(CommandExecutionRequestApprovalParams.class, r -> {
                    assertThat(r.itemId()).isEqualTo("call-1");
                    assertThat(r.command()).contains("echo hi > out.txt");
                });
        assertThat(completedItems(events, "commandExecution")).singleElement()
                .satisfies(item -> assertThat(item.get("status").asText()).isEqualTo("completed"));
        assertThat(Files.readString(codex.workspace().resolve("out.txt")).trim()).isEqualTo("hi");
        assertThat(events).anyMatch(n -> n.method().equals("serverRequest/resolved"));
        assertThat(turn(events).get("status").asText()).isEqualTo("completed");
    }

    @Test
    void aDeclinedCommandDoesNotRunAndTheTurnCompletes() throws Exception {
        started(builder()); // declineAll is the default
        model.enqueue(Reply.escalatedExecCommand("call-1", "echo hi > out.txt", "the test needs a file"),
                Reply.message("understood, not writing"));
        List<Notification> events = runTurn(startThread(), "write a file");
        assertThat(completedItems(events, "commandExecution")).singleElement()
                .satisfies(item -> assertThat(item.get("status").asText()).isEqualTo("declined"));
        assertThat(codex.workspace().resolve("out.txt")).doesNotExist();
        assertThat(turn(events).get("status").asText()).isEqualTo("completed");
        assertThat(completedItems(events, "agentMessage")).singleElement()
                .satisfies(item -> assertThat(item.get("text").asText()).isEqualTo("understood, not writing"));
    }

    @Test
    void anAcceptedFileChangeIsWrittenAndItsDiffReported() throws Exception {
        started(builder().approvals(acceptingAndRecording()));
        model.enqueue(Reply.applyPatchAddFile("call-p", "hello.txt", "hello"), Reply.message("added"));
        List<Notification> events = runTurn(startThread(), "add hello.txt");
        assertThat(approvalsSeen).singleElement().isInstanceOf(FileChangeRequestApprovalParams.class);
        assertThat(completedItems(events, "fileChange")).singleElement()
                .satisfies(item -> assertThat(item.get("status").asText()).isEqualTo("completed"));
        assertThat(Files.readString(codex.workspace().resolve("hello.txt"))).isEqualTo("hello\n");
        assertThat(events).filteredOn(n -> n.method().equals("turn/diff/updated")).isNotEmpty()
                .allSatisfy(n -> assertThat(n.params().get("diff").asText()).contains("+hello"));
    }

    @Test
    void aModelFailureBecomesAnErrorAndAFailedTurn() throws Exception {
        started(builder());
        model.enqueue(Reply.httpError(500, "{\"error\":{\"message\":\"scripted outage\",\"type\":\"server_error\"}}"));
        List<Notification> events = runTurn(startThread(), "hello?");
        assertThat(events).filteredOn(n -> n.method().equals("error")).singleElement()
                .satisfies(n -> assertThat(n.params().get("willRetry").asBoolean()).isFalse());
        JsonNode turn = turn(events);
        assertThat(turn.get("status").asText()).isEqualTo("failed");
        assertThat(turn.get("error").get("message").asText()).isNotBlank();
    }

    @Test
    void requestsBeforeStartFailLocally() {
        client = builder().build();
        assertThatThrownBy(() -> client.request("model/list", Map.of()).block(WAIT))
                .isInstanceOf(NotInitializedException.class);
    }

    @Test
    void anUnknownMethodIsAJsonRpcError() {
        started(builder());
        assertThatThrownBy(() -> client.request("no/suchMethod", Map.of()).block(WAIT))
                .isInstanceOfSatisfying(JsonRpcErrorException.class, e -> {
                    assertThat(e.method()).isEqualTo("no/suchMethod");
                    assertThat(e.code()).isNotZero();
                    assertThat(e.errorMessage()).isNotBlank();
                });
        assertThat(client.request("model/list", Map.of()).block(WAIT).has("data")).isTrue();
    }

    private static ProcessHandle codexChild() {
        return ProcessHandle.current().children()
                .filter(p -> p.info().command().orElse("").endsWith("codex")).findFirst().orElseThrow();
    }

    @Test
    void closeEndsTheProcess() {
        started(builder());
        ProcessHandle child = codexChild();
        client.close();
        assertThat(child.isAlive()).isFalse();
    }
}
