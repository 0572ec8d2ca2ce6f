package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.approval.ApprovalEvent;
import dev.codex4j.appserver.approval.ApprovalEvent.DecidedBy;
import dev.codex4j.appserver.approval.CommandRules;
import dev.codex4j.appserver.approval.DynamicTool;
import dev.codex4j.appserver.approval.FileChangeRules;
import dev.codex4j.appserver.protocol.ClientMethods;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams;
import dev.codex4j.appserver.protocol.types.FileChangeApprovalDecision;
import dev.codex4j.appserver.protocol.types.ThreadStartParams;
import dev.codex4j.appserver.protocol.types.TurnStartParams;
import dev.codex4j.appserver.protocol.types.UserInput;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/** Approvals end to end: the real codex binary asking, scripted by a model on 127.0.0.1. */
@Timeout(120)
class ApprovalsRealCodexTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private ScriptedModel model;
    private RealCodex codex;
    private AppServerClient client;
    /** Every approval event of the client, complete once the client is closed. */
    private CompletableFuture<List<ApprovalEvent>> approvalEvents;

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

    private String start(ApprovalDecisions approvals, boolean experimental) {
        client = codex.clientBuilder()
                .approvals(approvals)
                .experimentalApi(experimental)
                .requestTimeout(WAIT)
                .build();
        approvalEvents = client.approvalEvents().collectList().toFuture();
        client.start().block(WAIT);
        return client.request(ClientMethods.THREAD_START, ThreadStartParams.builder()
                .dynamicTools(experimental ? approvals.dynamicToolSpecs() : null).build()).block(WAIT).thread().id();
    }

    /** Runs a turn; returns its notifications up to and including turn/completed. */
    private List<Notification> turn(String threadId, String text) throws Exception {
        CompletableFuture<List<Notification>> events = client.notifications()
                .filter(n -> threadId.equals(n.params().path("threadId").asText()))
                .takeUntil(n -> n.method().equals("turn/completed"))
                .collectList().toFuture();
        client.request(ClientMethods.TURN_START, TurnStartParams.builder().threadId(threadId)
                .input(List.of(new UserInput.Text(text, null))).build()).block(WAIT);
        return events.get();
    }

    private static List<JsonNode> completed(List<Notification> events, String type) {
        return events.stream().filter(n -> n.method().equals("item/completed")).map(n -> n.params().get("item"))
                .filter(i -> type.equals(i.path("type").asText())).toList();
    }

    private static String turnStatus(List<Notification> events) {
        return events.get(events.size() - 1).params().at("/turn/status").asText();
    }

    /**
     * Every approval event, all of them: the audit stream is drained on its own thread, so at turn/completed
     * (seen on another subscriber) it may not have handed on the last decision yet. Each event is published
     * before its answer is sent, and closing the client ends the stream after everything published.
     */
    private List<ApprovalEvent> audit() throws Exception {
        client.close();
        return approvalEvents.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void cancelDeclinesTheCommandAndInterruptsTheTurn() throws Exception {
        String thread = start(ApprovalDecisions.builder()
                .onCommandExecution(p -> CommandExecutionApprovalDecision.CANCEL).build(), false);
        model.enqueue(Reply.escalatedExecCommand("call-1", "touch out.txt", "needs a file"), Reply.message("unused"));
        List<Notification> events = turn(thread, "go");
        assertThat(completed(events, "commandExecution")).singleElement()
                .satisfies(item -> assertThat(item.get("status").asText()).isEqualTo("declined"));
        assertThat(turnStatus(events)).isEqualTo("interrupted");
        assertThat(codex.workspace().resolve("out.txt")).doesNotExist();
    }

    @Test
    void acceptForSessionStopsCodexAskingAgainForTheSameCommand() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        String thread = start(ApprovalDecisions.builder().onCommandExecution(p -> {
            asked.incrementAndGet();
            return CommandExecutionApprovalDecision.ACCEPT_FOR_SESSION;
        }).build(), false);
        model.enqueue(Reply.escalatedExecCommand("call-1", "touch once.txt", "first"),
                Reply.escalatedExecCommand("call-2", "touch once.txt", "second, identical"),
                Reply.message("done"));
        List<Notification> events = turn(thread, "twice");
        assertThat(completed(events, "commandExecution")).hasSize(2)
                .allSatisfy(item -> assertThat(item.get("status").asText()).isEqualTo("completed"));
        assertThat(asked).as("approvals asked for two identical commands").hasValue(1);
        assertThat(turnStatus(events)).isEqualTo("completed");
    }

    @Test
    void anAllowListAcceptsOneCommandAndDeclinesAnotherInTheSameTurn() throws Exception {
        String thread = start(ApprovalDecisions.builder()
                .commandRules(CommandRules.acceptPrefixes(List.of(List.of("touch", "allowed.txt"))))
                .build(), false);
        model.enqueue(Reply.escalatedExecCommand("call-ok", "touch allowed.txt", "allowed"),
                Reply.escalatedExecCommand("call-no", "touch denied.txt", "not on the list"),
                Reply.message("done"));
        List<Notification> events = turn(thread, "both");
        assertThat(completed(events, "commandExecution")).extracting(i -> i.get("id").asText() + "=" + i.get("status").asText())
                .containsExactly("call-ok=completed", "call-no=declined");
        assertThat(codex.workspace().resolve("allowed.txt")).exists();
        assertThat(codex.workspace().resolve("denied.txt")).doesNotExist();
        List<ApprovalEvent> audit = audit();
        assertThat(audit).extracting(e -> e.itemId() + ":" + e.decision() + ":" + e.decidedBy())
                .containsExactly("call-ok:accept:POLICY", "call-no:decline:DEFAULT");
        assertThat(audit).allSatisfy(e -> {
            assertThat(e.threadId()).isEqualTo(thread);
            assertThat(e.turnId()).isNotBlank();
            assertThat(e.method()).isEqualTo("item/commandExecution/requestApproval");
        });
    }

    @Test
    void aHandlerThatTimesOutDeclines() throws Exception {
        String thread = start(ApprovalDecisions.builder()
                .onCommandExecutionAsync(p -> Mono.never())
                .handlerTimeout(Duration.ofMillis(300)).build(), false);
        model.enqueue(Reply.escalatedExecCommand("call-1", "touch late.txt", "slow reviewer"), Reply.message("ok"));
        List<Notification> events = turn(thread, "go");
        assertThat(completed(events, "commandExecution")).singleElement()
                .satisfies(item -> assertThat(item.get("status").asText()).isEqualTo("declined"));
        assertThat(turnStatus(events)).isEqualTo("completed");
        assertThat(audit()).singleElement().satisfies(e -> assertThat(e.decidedBy()).isEqualTo(DecidedBy.TIMEOUT));
    }

    @Test
    void aHandlerThatThrowsDeclines() throws Exception {
        String thread = start(ApprovalDecisions.builder().onCommandExecution(p -> {
            throw new IllegalStateException("reviewer crashed");
        }).build(), false);
        model.enqueue(Reply.escalatedExecCommand("call-1", "touch crash.txt", "x"), Reply.message("ok"));
        List<Notification> events = turn(thread, "go");
        assertThat(completed(events, "commandExecution")).singleElement()
                .satisfies(item -> assertThat(item.get("status").asText()).isEqualTo("declined"));
        assertThat(codex.workspace().resolve("crash.txt")).doesNotExist();
        assertThat(audit()).singleElement().satisfies(e -> assertThat(e.decidedBy()).isEqualTo(DecidedBy.ERROR));
    }

    @Test
    void fileChangesInsideTheWorkspaceAreAcceptedByRule() throws Exception {
        String thread = start(ApprovalDecisions.builder()
                .fileChangeRules(FileChangeRules.acceptInside(codex.workspace())).build(), false);
        model.enqueue(Reply.applyPatchAddFile("call-p", "inside.txt", "hello"), Reply.message("added"));
        List<Notification> events = turn(thread, "add");
        assertThat(completed(events, "fileChange")).singleElement()
                .satisfies(item -> assertThat(item.get("status").asText()).isEqualTo("completed"));
        assertThat(Files.readString(codex.workspace().resolve("inside.txt"))).isEqualTo("hello\n");
        assertThat(audit()).singleElement().satisfies(e -> assertThat(e.decidedBy()).isEqualTo(DecidedBy.POLICY));
    }

    @Test
    void aDeclinedFileChangeWritesNothing() throws Exception {
        String thread = start(ApprovalDecisions.builder()
                .onFileChange(p -> FileChangeApprovalDecision.DECLINE).build(), false);
        model.enqueue(Reply.applyPatchAddFile("call-p", "nope.txt", "hello"), Reply.message("fine"));
        List<Notification> events = turn(thread, "add");
        assertThat(completed(events, "fileChange")).singleElement()
                .satisfies(item -> assertThat(item.get("status").asText()).isEqualTo("declined"));
        assertThat(codex.workspace().resolve("nope.txt")).doesNotExist();
        assertThat(turnStatus(events)).isEqualTo("completed");
    }

    record TicketQuery(String ticketId) {}

    @Test
    void aDynamicToolCallIsAnsweredByAJavaFunction() throws Exception {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .dynamicTool(DynamicTool.of("lookup_ticket", "Looks up a support ticket", TicketQuery.class,
                        q -> "ticket " + q.ticketId() + " is open"))
                .build();
        String thread = start(approvals, true);
        model.enqueue(Reply.functionCall("call-t", "lookup_ticket", "{\"ticketId\":\"T-42\"}"),
                Reply.message("The ticket is open."));
        List<Notification> events = turn(thread, "status of T-42?");

        JsonNode offered = model.awaitRequests(1, WAIT).get(0).body().get("tools");
        assertThat(offered.toString()).contains("lookup_ticket");
        assertThat(completed(events, "dynamicToolCall")).singleElement().satisfies(item -> {
            assertThat(item.get("status").asText()).isEqualTo("completed");
            assertThat(item.get("success").asBoolean()).isTrue();
        });
        assertThat(model.awaitRequests(2, WAIT).get(1).inputItems("function_call_output").toString())
                .contains("ticket T-42 is open");
        assertThat(turnStatus(events)).isEqualTo("completed");
    }

    @Test
    void handlersSeeTheTypedRequest() throws Exception {
        CompletableFuture<CommandExecutionRequestApprovalParams> seen = new CompletableFuture<>();
        String thread = start(ApprovalDecisions.builder().onCommandExecution(p -> {
            seen.complete(p);
            return CommandExecutionApprovalDecision.DECLINE;
        }).build(), false);
        model.enqueue(Reply.escalatedExecCommand("call-1", "touch typed.txt", "see the params"), Reply.message("ok"));
        turn(thread, "go");
        CommandExecutionRequestApprovalParams params = seen.get();
        assertThat(params.threadId()).isEqualTo(thread);
        assertThat(params.itemId()).isEqualTo("call-1");
        assertThat(CommandRules.bareCommands(params)).containsExactly("touch typed.txt");
        assertThat(params.cwd()).isEqualTo(codex.workspace().toString());
    }
}
