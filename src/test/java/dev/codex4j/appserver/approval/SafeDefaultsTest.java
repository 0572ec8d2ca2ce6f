package dev.codex4j.appserver.approval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.approval.ApprovalEvent.DecidedBy;
import dev.codex4j.appserver.protocol.ServerRequestMethod;
import dev.codex4j.appserver.protocol.ServerRequests;
import dev.codex4j.appserver.rpc.JsonRpcError;
import dev.codex4j.appserver.rpc.RequestId;
import dev.codex4j.appserver.rpc.IncomingRequest;
import dev.codex4j.appserver.rpc.ServerRequestReply;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(30)
class SafeDefaultsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String UNKNOWN = "item/somethingNew/requestApproval";
    private static final String COMMAND_FIXTURE = "command-approval-accept.jsonl";
    private static final String FILE_CHANGE_FIXTURE = "file-change-approval-accept.jsonl";

    private final TestApprovalContext context = new TestApprovalContext();

    /** Realistic params for every server request, and the ids its event must carry: thread, turn, item. */
    private record Case(String params, String threadId, String turnId, String itemId) {}

    private static final Map<String, Case> CASES = cases();

    private static Map<String, Case> cases() {
        Map<String, Case> cases = new LinkedHashMap<>();
        // command and file change come from the real codex recordings (see request(...))
        cases.put(ServerRequests.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL.name(), new Case(null,
                "01a20194-f468-75e1-a06b-a053648b01be", "01a20194-f482-7573-a9fa-2d8639d7e63b", "call-exec-1"));
        cases.put(ServerRequests.ITEM_FILE_CHANGE_REQUEST_APPROVAL.name(), new Case(null,
                "01a20194-f2c7-76f2-b67b-45d4b3b3bab8", "01a20194-f2dd-7c52-9bd7-df2200a6b3a9", "call-patch-1"));
        cases.put(ServerRequests.ITEM_TOOL_REQUEST_USER_INPUT.name(), new Case("""
                {"threadId":"thr-1","turnId":"turn-1","itemId":"item-1","isBlocking":true,
                 "questions":[{"id":"q1","header":"Branch","question":"Which branch?","options":null}]}""",
                "thr-1", "turn-1", "item-1"));
        cases.put(ServerRequests.MCP_SERVER_ELICITATION_REQUEST.name(), new Case("""
                {"threadId":"thr-1","turnId":"turn-1","serverName":"docs","mode":"form","message":"Sign in?",
                 "requestedSchema":{"type":"object","properties":{}}}""",
                "thr-1", "turn-1", null));
        cases.put(ServerRequests.ITEM_PERMISSIONS_REQUEST_APPROVAL.name(), new Case("""
                {"threadId":"thr-1","turnId":"turn-1","itemId":"item-1","cwd":"/srv/ws","environmentId":"local",
                 "permissions":{"network":{"enabled":true}},"reason":"needs the network","startedAtMs":1}""",
                "thr-1", "turn-1", "item-1"));
        cases.put(ServerRequests.ITEM_TOOL_CALL.name(), new Case("""
                {"threadId":"thr-1","turnId":"turn-1","callId":"call-1","namespace":null,"tool":"lookup_ticket",
                 "arguments":{"ticketId":"T-1"}}""",
                "thr-1", "turn-1", "call-1"));
        cases.put(ServerRequests.ACCOUNT_CHATGPT_AUTH_TOKENS_REFRESH.name(), new Case("""
                {"reason":"unauthorized","previousAccountId":"acc-1"}""", null, null, null));
        cases.put(ServerRequests.ATTESTATION_GENERATE.name(), new Case("{}", null, null, null));
        cases.put(ServerRequests.CURRENT_TIME_READ.name(), new Case("""
                {"threadId":"thr-1"}""", "thr-1", null, null));
        cases.put(ServerRequests.APPLY_PATCH_APPROVAL.name(), new Case("""
                {"conversationId":"thr-1","callId":"call-1","reason":null,"grantRoot":null,
                 "fileChanges":{"/srv/ws/a.txt":{"type":"add","content":"hi"}}}""",
                "thr-1", null, "call-1"));
        cases.put(ServerRequests.EXEC_COMMAND_APPROVAL.name(), new Case("""
                {"conversationId":"thr-1","callId":"call-1","command":["git","status"],"cwd":"/srv/ws",
                 "parsedCmd":[{"type":"unknown","cmd":"git status"}],"reason":null}""",
                "thr-1", null, "call-1"));
        cases.put(UNKNOWN, new Case("""
                {"threadId":"thr-1","turnId":"turn-1","itemId":"item-1"}""", "thr-1", "turn-1", "item-1"));
        return cases;
    }

    static Stream<String> everyMethod() {
        return CASES.keySet().stream();
    }

    private IncomingRequest request(String method) {
        if (method.equals(ServerRequests.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL.name())) {
            return context.fixtureRequest(COMMAND_FIXTURE, method);
        }
        if (method.equals(ServerRequests.ITEM_FILE_CHANGE_REQUEST_APPROVAL.name())) {
            return context.fixtureRequest(FILE_CHANGE_FIXTURE, method);
        }
        return new IncomingRequest(RequestId.of(7), method, context.json(CASES.get(method).params()));
    }

    private ServerRequestReply declineAll(String method) {
        return ApprovalDecisions.declineAll().handle(request(method), context).block(WAIT);
    }

    private ServerRequestReply acceptAll(String method) {
        return ApprovalDecisions.acceptAll().handle(request(method), context).block(WAIT);
    }

    @Test
    void theCasesCoverEveryServerRequestMethodStableAndExperimental() {
        Set<String> known = ServerRequests.all().stream().map(ServerRequestMethod::name).collect(Collectors.toSet());
        assertThat(ServerRequests.all()).anyMatch(ServerRequestMethod::experimental);
        assertThat(ServerRequests.all()).anyMatch(m -> !m.experimental());
        assertThat(CASES.keySet()).containsAll(known).hasSize(known.size() + 1).contains(UNKNOWN);
        assertThat(ServerRequests.byName(UNKNOWN)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("everyMethod")
    void declineAllRecordsExactlyOneDefaultEventWithTheIdsOfTheParams(String method) {
        IncomingRequest request = request(method);
        ServerRequestReply reply = ApprovalDecisions.declineAll().handle(request, context).block(WAIT);

        assertThat(reply).isNotNull();
        Case expected = CASES.get(method);
        assertThat(context.events()).singleElement().satisfies(event -> {
            assertThat(event.method()).isEqualTo(method);
            assertThat(event.requestId()).isEqualTo(request.id().toString());
            assertThat(event.threadId()).isEqualTo(expected.threadId());
            assertThat(event.turnId()).isEqualTo(expected.turnId());
            assertThat(event.itemId()).isEqualTo(expected.itemId());
            assertThat(event.decidedBy()).isEqualTo(DecidedBy.DEFAULT);
            assertThat(event.decision()).isNotBlank();
            assertThat(event.took().isNegative()).isFalse();
        });
    }

    @ParameterizedTest
    @MethodSource("everyMethod")
    void everyResultDeclineAllSendsDecodesAsTheMethodsResponseType(String method) throws Exception {
        ServerRequestReply reply = declineAll(method);
        var known = ServerRequests.byName(method);
        if (reply instanceof ServerRequestReply.Result) {
            assertThat(known).as("only known methods get a result").isPresent();
            Object decoded = context.mapper().treeToValue(context.resultTree(reply), known.get().responseType());
            assertThat(decoded).isNotNull();
        } else {
            assertThat(TestApprovalContext.error(reply).code())
                    .isIn(JsonRpcError.INTERNAL_ERROR, JsonRpcError.METHOD_NOT_FOUND);
        }
    }

    @Test
    void commandApprovalIsDeclined() {
        String method = ServerRequests.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL.name();
        assertThat(context.resultJson(declineAll(method))).isEqualTo("{\"decision\":\"decline\"}");
        assertThat(context.events()).singleElement().extracting(ApprovalEvent::decision).isEqualTo("decline");
        assertThat(context.events().get(0).requestId()).isEqualTo("0");
    }

    @Test
    void fileChangeApprovalIsDeclined() {
        String method = ServerRequests.ITEM_FILE_CHANGE_REQUEST_APPROVAL.name();
        assertThat(context.resultJson(declineAll(method))).isEqualTo("{\"decision\":\"decline\"}");
        assertThat(context.events()).singleElement().extracting(ApprovalEvent::decision).isEqualTo("decline");
    }

    @Test
    void legacyExecCommandApprovalIsDeniedWithARejection() {
        assertThat(context.resultJson(declineAll(ServerRequests.EXEC_COMMAND_APPROVAL.name()))).isEqualTo(
                "{\"decision\":{\"denied\":{\"rejection\":\"declined by the client's approval policy\"}}}");
        assertThat(context.events()).singleElement().extracting(ApprovalEvent::decision)
                .isEqualTo("{\"denied\":{\"rejection\":\"declined by the client's approval policy\"}}");
    }

    @Test
    void legacyApplyPatchApprovalIsDeniedWithARejection() {
        assertThat(context.resultJson(declineAll(ServerRequests.APPLY_PATCH_APPROVAL.name()))).isEqualTo(
                "{\"decision\":{\"denied\":{\"rejection\":\"declined by the client's approval policy\"}}}");
    }

    @Test
    void permissionsRequestGetsAnEmptyGrantForTheTurn() {
        assertThat(context.resultJson(declineAll(ServerRequests.ITEM_PERMISSIONS_REQUEST_APPROVAL.name())))
                .isEqualTo("{\"permissions\":{},\"scope\":\"turn\"}");
    }

    @Test
    void requestUserInputGetsNoAnswers() {
        assertThat(context.resultJson(declineAll(ServerRequests.ITEM_TOOL_REQUEST_USER_INPUT.name())))
                .isEqualTo("{\"answers\":{}}");
    }

    @Test
    void mcpElicitationIsDeclined() {
        assertThat(context.resultJson(declineAll(ServerRequests.MCP_SERVER_ELICITATION_REQUEST.name())))
                .isEqualTo("{\"action\":\"decline\"}");
        assertThat(context.events()).singleElement().extracting(ApprovalEvent::decision).isEqualTo("decline");
    }

    @Test
    void dynamicToolCallGetsAFailedResultNamingTheTool() {
        JsonNode result = context.resultTree(declineAll(ServerRequests.ITEM_TOOL_CALL.name()));
        assertThat(result).isEqualTo(context.json("""
                {"contentItems":[{"type":"inputText",
                  "text":"no tool named 'lookup_ticket' is registered with this client"}],
                 "success":false}"""));
    }

    @Test
    void currentTimeReadGetsTheCurrentEpochSeconds() {
        long before = Instant.now().getEpochSecond();
        JsonNode result = context.resultTree(declineAll(ServerRequests.CURRENT_TIME_READ.name()));
        long after = Instant.now().getEpochSecond();

        assertThat(result.size()).isEqualTo(1);
        assertThat(result.get("currentTimeAt").isIntegralNumber()).isTrue();
        assertThat(result.get("currentTimeAt").asLong()).isBetween(before, after);
    }

    @Test
    void authTokenRefreshAndAttestationGetAnInternalError() {
        for (var method : List.of(ServerRequests.ACCOUNT_CHATGPT_AUTH_TOKENS_REFRESH, ServerRequests.ATTESTATION_GENERATE)) {
            JsonRpcError error = TestApprovalContext.error(declineAll(method.name()));
            assertThat(error.code()).isEqualTo(-32603);
            assertThat(error.message()).contains(method.name());
        }
        assertThat(context.events()).extracting(ApprovalEvent::decision).containsExactly(
                "error -32603: this client has no handler for account/chatgptAuthTokens/refresh",
                "error -32603: this client has no handler for attestation/generate");
    }

    @Test
    void anUnknownMethodGetsMethodNotFound() {
        JsonRpcError error = TestApprovalContext.error(declineAll(UNKNOWN));
        assertThat(error.code()).isEqualTo(-32601);
        assertThat(error.message()).contains(UNKNOWN);
        assertThat(ApprovalDecisions.declineAll().hasHandlerFor(UNKNOWN)).isFalse();
    }

    @Test
    void safeDefaultAloneMatchesWhatDeclineAllSends() {
        for (String method : CASES.keySet()) {
            if (method.equals(ServerRequests.CURRENT_TIME_READ.name())) {
                continue; // the clock may tick between the two
            }
            IncomingRequest request = request(method);
            ServerRequestReply viaHandle = ApprovalDecisions.declineAll().handle(request, context).block(WAIT);
            ServerRequestReply direct = ApprovalDecisions.safeDefault(request);
            assertThat(describe(direct)).as(method).isEqualTo(describe(viaHandle));
        }
    }

    private String describe(ServerRequestReply reply) {
        return reply instanceof ServerRequestReply.Error e ? "error " + e.error().code() + " " + e.error().message()
                : context.resultJson(reply);
    }

    @Test
    void declineAllDecidesNothingItselfAndDoesNotAcceptWithoutAsking() {
        ApprovalDecisions declineAll = ApprovalDecisions.declineAll();
        assertThat(declineAll.acceptsWithoutAsking()).isFalse();
        assertThat(CASES.keySet()).noneMatch(declineAll::hasHandlerFor);
        assertThat(declineAll.dynamicToolSpecs()).isEmpty();
    }

    @Test
    void acceptAllAcceptsCommandsAndFileChangesByPolicy() {
        assertThat(context.resultJson(acceptAll(ServerRequests.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL.name())))
                .isEqualTo("{\"decision\":\"accept\"}");
        assertThat(context.resultJson(acceptAll(ServerRequests.ITEM_FILE_CHANGE_REQUEST_APPROVAL.name())))
                .isEqualTo("{\"decision\":\"accept\"}");
        assertThat(context.events()).hasSize(2).allSatisfy(event -> {
            assertThat(event.decidedBy()).isEqualTo(DecidedBy.POLICY);
            assertThat(event.decision()).isEqualTo("accept");
        });
        assertThat(ApprovalDecisions.acceptAll().acceptsWithoutAsking()).isTrue();
    }

    @Test
    void acceptAllApprovesLegacyApprovalsByPolicy() {
        assertThat(context.resultJson(acceptAll(ServerRequests.EXEC_COMMAND_APPROVAL.name())))
                .isEqualTo("{\"decision\":\"approved\"}");
        assertThat(context.resultJson(acceptAll(ServerRequests.APPLY_PATCH_APPROVAL.name())))
                .isEqualTo("{\"decision\":\"approved\"}");
        assertThat(context.events()).extracting(ApprovalEvent::decidedBy)
                .containsExactly(DecidedBy.POLICY, DecidedBy.POLICY);
        assertThat(context.events()).extracting(ApprovalEvent::itemId).containsExactly("call-1", "call-1");
    }

    @Test
    void acceptAllKeepsTheSafeDefaultsForEverythingElse() {
        Set<String> accepted = Set.of(ServerRequests.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL.name(),
                ServerRequests.ITEM_FILE_CHANGE_REQUEST_APPROVAL.name(), ServerRequests.EXEC_COMMAND_APPROVAL.name(),
                ServerRequests.APPLY_PATCH_APPROVAL.name());
        List<String> others = CASES.keySet().stream()
                .filter(m -> !accepted.contains(m) && !m.equals(ServerRequests.CURRENT_TIME_READ.name()))
                .toList();
        assertThat(others).contains(ServerRequests.ITEM_PERMISSIONS_REQUEST_APPROVAL.name(), UNKNOWN);
        for (String method : others) {
            IncomingRequest request = request(method);
            assertThat(describe(ApprovalDecisions.acceptAll().handle(request, context).block(WAIT))).as(method)
                    .isEqualTo(describe(ApprovalDecisions.safeDefault(request)));
        }
        assertThat(context.resultJson(acceptAll(ServerRequests.ITEM_PERMISSIONS_REQUEST_APPROVAL.name())))
                .isEqualTo("{\"permissions\":{},\"scope\":\"turn\"}");
        assertThat(context.events()).hasSize(others.size() + 1)
                .allSatisfy(event -> assertThat(event.decidedBy()).isEqualTo(DecidedBy.DEFAULT));
        assertThat(Arrays.stream(new String[] {ServerRequests.ITEM_PERMISSIONS_REQUEST_APPROVAL.name(),
                ServerRequests.ITEM_TOOL_CALL.name(), ServerRequests.MCP_SERVER_ELICITATION_REQUEST.name()}))
                .noneMatch(ApprovalDecisions.acceptAll()::hasHandlerFor);
    }

    @Test
    void aStringRequestIdIsRecordedAsPlainTextWithoutJsonQuotes() {
        IncomingRequest request = new IncomingRequest(RequestId.of("req-9"),
                ServerRequests.ITEM_TOOL_REQUEST_USER_INPUT.name(),
                context.json(CASES.get(ServerRequests.ITEM_TOOL_REQUEST_USER_INPUT.name()).params()));
        ApprovalDecisions.declineAll().handle(request, context).block(WAIT);
        assertThat(context.events()).singleElement().extracting(ApprovalEvent::requestId)
                .isEqualTo("req-9");
    }
}
