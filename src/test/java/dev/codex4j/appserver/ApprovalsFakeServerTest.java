package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.approval.ApprovalEvent;
import dev.codex4j.appserver.approval.ApprovalEvent.DecidedBy;
import dev.codex4j.appserver.protocol.ServerRequests;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.GrantedPermissionProfile;
import dev.codex4j.appserver.protocol.types.AdditionalNetworkPermissions;
import dev.codex4j.appserver.protocol.types.PermissionGrantScope;
import dev.codex4j.appserver.protocol.types.PermissionsRequestApprovalResponse;
import dev.codex4j.appserver.testing.FakeAppServerLauncher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/** Server requests the scripted model cannot make codex send, driven through the fake app-server. */
@Timeout(60)
class ApprovalsFakeServerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String API_KEY = "sk-fake-approval-secret-0123456789";

    @TempDir
    Path dir;

    private AppServerClient client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
    }

    private AppServerClient start(ApprovalDecisions approvals) throws Exception {
        client = AppServerClient.builder().executable(FakeAppServerLauncher.createScript(dir))
                .environment(Map.of("OPENAI_API_KEY", API_KEY)).approvals(approvals).build();
        client.start().block(WAIT);
        return client;
    }

    /** Has the fake send a server request and returns the client's whole reply. */
    private JsonNode ask(String method, Map<String, Object> params) {
        return client.request("fake/serverRequest", Map.of("method", method, "params", params)).block(WAIT).get("reply");
    }

    private static Map<String, Object> ids() {
        return Map.of("threadId", "thr", "turnId", "trn", "itemId", "itm");
    }

    @Test
    void aPermissionsRequestGetsAnEmptyGrant() throws Exception {
        start(ApprovalDecisions.declineAll());
        JsonNode reply = ask("item/permissions/requestApproval", Map.of("threadId", "thr", "turnId", "trn",
                "itemId", "itm", "cwd", "/w", "startedAtMs", 1, "permissions", Map.of("network", Map.of("enabled", true))));
        assertThat(reply.get("result").toString()).isEqualTo("{\"permissions\":{},\"scope\":\"turn\"}");
    }

    @Test
    void aPermissionsHandlerGrantsWhatItChooses() throws Exception {
        start(ApprovalDecisions.builder().on(ServerRequests.ITEM_PERMISSIONS_REQUEST_APPROVAL,
                p -> new PermissionsRequestApprovalResponse(
                        new GrantedPermissionProfile(null, new AdditionalNetworkPermissions(true)),
                        PermissionGrantScope.TURN, null)).build());
        JsonNode reply = ask("item/permissions/requestApproval", Map.of("threadId", "thr", "turnId", "trn",
                "itemId", "itm", "cwd", "/w", "startedAtMs", 1, "permissions", Map.of()));
        assertThat(reply.at("/result/permissions/network/enabled").asBoolean()).isTrue();
    }

    @Test
    void userInputElicitationAndLegacyApprovalsGetTheirSafeDefaults() throws Exception {
        start(ApprovalDecisions.declineAll());
        assertThat(ask("item/tool/requestUserInput", Map.of("threadId", "thr", "turnId", "trn", "itemId", "itm",
                "isBlocking", true, "questions", List.of())).get("result").toString()).isEqualTo("{\"answers\":{}}");
        assertThat(ask("mcpServer/elicitation/request", Map.of("threadId", "thr", "serverName", "s", "mode", "url",
                "url", "https://example.test", "message", "m", "elicitationId", "e")).get("result").toString())
                .isEqualTo("{\"action\":\"decline\"}");
        assertThat(ask("execCommandApproval", Map.of("conversationId", "c", "callId", "x", "command", List.of("ls"),
                "cwd", "/w", "parsedCmd", List.of())).at("/result/decision/denied/rejection").asText()).isNotBlank();
        assertThat(ask("applyPatchApproval", Map.of("conversationId", "c", "callId", "x", "fileChanges", Map.of()))
                .at("/result/decision").has("denied")).isTrue();
    }

    @Test
    void requestsTheClientCannotAnswerMeaningfullyGetJsonRpcErrors() throws Exception {
        start(ApprovalDecisions.acceptAll());
        assertThat(ask("account/chatgptAuthTokens/refresh", Map.of("reason", "unauthorized")).at("/error/code").asInt())
                .isEqualTo(-32603);
        assertThat(ask("attestation/generate", Map.of()).at("/error/code").asInt()).isEqualTo(-32603);
        assertThat(ask("brand/newRequest", Map.of()).at("/error/code").asInt()).isEqualTo(-32601);
        assertThat(ask("item/tool/call", Map.of("threadId", "thr", "turnId", "trn", "callId", "c", "tool", "ghost",
                "arguments", Map.of())).at("/result/contentItems/0/text").asText()).contains("ghost");
    }

    @Test
    void aTurnThatEndsCancelsItsPendingHandlerAndNothingIsSent() throws Exception {
        CountDownLatch asked = new CountDownLatch(1);
        CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
        start(ApprovalDecisions.builder().onCommandExecutionAsync(p -> Mono.<CommandExecutionApprovalDecision>never()
                .doOnSubscribe(s -> asked.countDown())
                .doOnCancel(() -> cancelled.complete(true))).build());
        CompletableFuture<ApprovalEvent> event = client.approvalEvents().next().toFuture();
        client.request("fake/emit", Map.of("lines", List.of(
                "{\"method\":\"item/commandExecution/requestApproval\",\"id\":77,\"params\":"
                        + "{\"threadId\":\"thr\",\"turnId\":\"trn\",\"itemId\":\"itm\",\"startedAtMs\":1}}"))).block(WAIT);
        assertThat(asked.await(5, TimeUnit.SECONDS)).isTrue();
        client.request("fake/emit", Map.of("lines", List.of(
                "{\"method\":\"turn/completed\",\"params\":{\"threadId\":\"thr\",\"turn\":{\"id\":\"trn\","
                        + "\"status\":\"interrupted\",\"items\":[]}}}"))).block(WAIT);
        assertThat(cancelled.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(event.get(5, TimeUnit.SECONDS)).satisfies(e -> {
            assertThat(e.decidedBy()).isEqualTo(DecidedBy.CANCELLED);
            assertThat(e.decision()).isEqualTo("(nothing sent)");
            assertThat(e.turnId()).isEqualTo("trn");
        });
        JsonNode inspect = client.request("fake/inspect", null).block(WAIT);
        assertThat(inspect.get("replies").toString()).doesNotContain("77");
    }

    @Test
    void aThreadOverrideTakesPrecedenceForTheKindsItHandles() throws Exception {
        start(ApprovalDecisions.builder().onCommandExecution(p -> CommandExecutionApprovalDecision.DECLINE).build());
        var override = client.overrideApprovals("thr", ApprovalDecisions.builder()
                .onCommandExecution(p -> CommandExecutionApprovalDecision.ACCEPT).build());
        Map<String, Object> command = Map.of("threadId", "thr", "turnId", "trn", "itemId", "itm", "startedAtMs", 1);
        Map<String, Object> otherThread = Map.of("threadId", "other", "turnId", "trn", "itemId", "itm", "startedAtMs", 1);
        assertThat(ask("item/commandExecution/requestApproval", command).at("/result/decision").asText()).isEqualTo("accept");
        assertThat(ask("item/commandExecution/requestApproval", otherThread).at("/result/decision").asText())
                .isEqualTo("decline");
        override.dispose();
        assertThat(ask("item/commandExecution/requestApproval", command).at("/result/decision").asText())
                .isEqualTo("decline");
    }

    @Test
    void theAuditStreamRedactsSecrets() throws Exception {
        start(ApprovalDecisions.builder().on(ServerRequests.ITEM_TOOL_REQUEST_USER_INPUT,
                p -> new dev.codex4j.appserver.protocol.types.ToolRequestUserInputResponse(Map.of("q",
                        new dev.codex4j.appserver.protocol.types.ToolRequestUserInputAnswer(List.of(API_KEY)))))
                .build());
        CompletableFuture<ApprovalEvent> event = client.approvalEvents().next().toFuture();
        JsonNode reply = ask("item/tool/requestUserInput", Map.of("threadId", "thr", "turnId", "trn", "itemId", "itm",
                "isBlocking", true, "questions", List.of()));
        assertThat(reply.toString()).contains(API_KEY); // the server gets what the handler answered
        assertThat(event.get(5, TimeUnit.SECONDS).decision()).doesNotContain(API_KEY).contains("[REDACTED]");
    }
}
