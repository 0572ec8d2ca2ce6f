package dev.codex4j.appserver.thread;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.protocol.types.CodexErrorInfo;
import dev.codex4j.appserver.protocol.types.CommandExecutionStatus;
import dev.codex4j.appserver.protocol.types.ReviewTarget;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.protocol.types.ThreadListParams;
import dev.codex4j.appserver.protocol.types.TurnStatus;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.RecordedRequest;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/** The thread and turn API end to end: the pinned codex binary against a scripted model. */
@Timeout(120)
class ThreadsRealCodexTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private ScriptedModel model;
    private RealCodex codex;
    private AppServerClient client;

    record City(String name, int population) {}

    @BeforeEach
    void setUp() {
        model = ScriptedModel.start();
        codex = RealCodex.forModel(model);
        client = newClient(ApprovalDecisions.declineAll());
    }

    @AfterEach
    void tearDown() {
        client.close();
        model.close();
        codex.close();
    }

    private AppServerClient newClient(ApprovalDecisions approvals) {
        AppServerClient c = codex.clientBuilder()
                .approvals(approvals)
                .requestTimeout(WAIT)
                .build();
        c.start().block(WAIT);
        return c;
    }

    private CodexThread newThread() {
        return CodexThreads.of(client).start(ThreadOptions.defaults()).block(WAIT);
    }

    @Test
    void runReturnsTheFinalTextTheItemsAndTheTokenUsage() {
        CodexThread thread = newThread();
        model.enqueue(Reply.message("Let me look.").followedBy(Reply.execCommand("call-1", "echo listed"))
                        .withUsage(100, 20),
                Reply.streamedMessage("All ", "done.").withUsage(150, 30));

        TurnResult result = thread.run("list the files").block(WAIT);

        assertThat(result.status()).isEqualTo(TurnStatus.COMPLETED);
        assertThat(result.finalResponse()).isEqualTo("All done.");
        assertThat(result.items()).extracting(ThreadItem::type)
                .containsExactly("userMessage", "agentMessage", "commandExecution", "agentMessage");
        assertThat(result.itemsOf(ThreadItem.CommandExecution.class)).singleElement()
                .satisfies(c -> assertThat(c.aggregatedOutput()).contains("listed"));
        assertThat(result.tokenUsage().total().totalTokens()).isEqualTo(300);
        assertThat(result.tokenUsage().last().totalTokens()).isEqualTo(180);
        assertThat(result.duration()).isPositive();
        assertThat(result.error()).isNull();
        assertThat(result.threadId()).isEqualTo(thread.id());
    }

    @Test
    void streamedEventsOfATurnArriveInOrderAndStopAtItsCompletion() {
        CodexThread thread = newThread();
        model.enqueue(Reply.streamedMessage("one ", "two ", "three"));

        TurnHandle turn = thread.turn(TurnInput.text("count"));
        TurnResult result = turn.result().block(WAIT);
        // Subscribed after the end: the handle replays the whole turn, which ends with turn/completed.
        List<ServerNotification> events = turn.events().collectList().block(WAIT);

        assertThat(events.get(events.size() - 1)).isInstanceOf(ServerNotification.TurnCompleted.class);
        assertThat(events).filteredOn(e -> e instanceof ServerNotification.TurnStarted).hasSize(1);
        assertThat(events.indexOf(events.stream().filter(e -> e instanceof ServerNotification.TurnStarted)
                .findFirst().orElseThrow())).isLessThan(events.indexOf(events.stream()
                .filter(e -> e instanceof ServerNotification.ItemAgentMessageDelta).findFirst().orElseThrow()));
        assertThat(events.stream().filter(e -> e instanceof ServerNotification.ItemAgentMessageDelta)
                .map(e -> ((ServerNotification.ItemAgentMessageDelta) e).params().delta()))
                .containsExactly("one ", "two ", "three");
        assertThat(result.finalResponse()).isEqualTo("one two three");
    }

    @Test
    void turnsRunningConcurrentlyOnTwoThreadsOfOneClientSeeOnlyTheirOwnEvents() throws Exception {
        // Each turn asks for one approval; the handler holds both until both are asked, so the turns overlap.
        CountDownLatch bothAsked = new CountDownLatch(2);
        client.close();
        client = newClient(ApprovalDecisions.builder().onCommandExecution(request -> {
            bothAsked.countDown();
            return bothAsked.await(20, TimeUnit.SECONDS) ? CommandExecutionApprovalDecision.ACCEPT : CommandExecutionApprovalDecision.DECLINE;
        }).build());
        CodexThread first = newThread();
        CodexThread second = newThread();
        model.enqueue(Reply.escalatedExecCommand("call-a", "echo a", "needs it"),
                Reply.escalatedExecCommand("call-b", "echo b", "needs it"),
                Reply.streamedMessage("first ", "answer"),
                Reply.streamedMessage("second ", "answer"));

        TurnHandle a = first.turn(TurnInput.text("a"));
        TurnHandle b = second.turn(TurnInput.text("b"));
        TurnResult resultA = a.result().block(WAIT);
        TurnResult resultB = b.result().block(WAIT);

        assertThat(bothAsked.getCount()).isZero();
        assertThat(resultA.threadId()).isNotEqualTo(resultB.threadId());
        for (var pair : List.of(List.of(a, resultA), List.of(b, resultB))) {
            TurnHandle turn = (TurnHandle) pair.get(0);
            TurnResult result = (TurnResult) pair.get(1);
            List<ServerNotification> events = turn.events().collectList().block(WAIT);
            assertThat(events).allSatisfy(e -> assertThat(client.objectMapper().valueToTree(e.params())
                    .path("threadId").asText()).isEqualTo(result.threadId()));
            assertThat(events).filteredOn(e -> e instanceof ServerNotification.TurnCompleted).hasSize(1);
            String deltas = events.stream().filter(e -> e instanceof ServerNotification.ItemAgentMessageDelta)
                    .map(e -> ((ServerNotification.ItemAgentMessageDelta) e).params().delta())
                    .collect(Collectors.joining());
            assertThat(deltas).isEqualTo(result.finalResponse()).endsWith("answer");
            assertThat(result.itemsOf(ThreadItem.CommandExecution.class)).singleElement()
                    .satisfies(c -> assertThat(c.status()).isEqualTo(CommandExecutionStatus.COMPLETED));
        }
        assertThat(resultA.finalResponse()).isNotEqualTo(resultB.finalResponse());
    }

    @Test
    void interruptDuringALongCommandEndsTheTurnInterrupted() {
        CodexThread thread = newThread();
        model.enqueue(Reply.execCommand("call-sleep", "sleep 30"));

        TurnHandle turn = thread.turn(TurnInput.text("wait a while"));
        commandStarted(turn).block(WAIT);
        turn.interrupt().block(WAIT);
        TurnResult result = turn.result().block(WAIT);

        assertThat(result.status()).isEqualTo(TurnStatus.INTERRUPTED);
        assertThat(result.duration()).isLessThan(Duration.ofSeconds(30));
        assertThat(CodexThreads.of(client).hasRunningTurn(thread.id())).isFalse();
    }

    @Test
    void steerAddsInputToTheRunningTurn() throws Exception {
        CodexThread thread = newThread();
        CompletableFuture<Void> approvalAsked = new CompletableFuture<>();
        CompletableFuture<Void> steered = new CompletableFuture<>();
        model.enqueue(Reply.escalatedExecCommand("call-1", "echo hi", "needs it"), Reply.message("steered answer"));
        TurnOptions options = TurnOptions.builder().approvals(ApprovalDecisions.builder().onCommandExecution(r -> {
            approvalAsked.complete(null);
            steered.get(20, TimeUnit.SECONDS); // keep the turn busy until the steer is in
            return CommandExecutionApprovalDecision.ACCEPT;
        }).build()).build();

        TurnHandle turn = thread.turn(TurnInput.text("start"), options);
        approvalAsked.get(20, TimeUnit.SECONDS);
        turn.steer(TurnInput.text("also say hello")).block(WAIT);
        steered.complete(null);
        TurnResult result = turn.result().block(WAIT);

        assertThat(result.status()).isEqualTo(TurnStatus.COMPLETED);
        assertThat(result.finalResponse()).isEqualTo("steered answer");
        RecordedRequest next = model.awaitRequests(2, WAIT).get(1);
        assertThat(userTexts(next)).contains("start", "also say hello");
        assertThat(userTexts(model.requests().get(0))).doesNotContain("also say hello");
    }

    @Test
    void perTurnApprovalHandlersTakePrecedenceOverTheClientWideOnes() {
        CodexThread thread = newThread(); // the client declines every approval
        model.enqueue(Reply.escalatedExecCommand("call-1", "echo approved", "needs it"), Reply.message("ok"),
                Reply.escalatedExecCommand("call-2", "echo declined", "needs it"), Reply.message("ok"));
        TurnOptions accepting = TurnOptions.builder()
                .approvals(ApprovalDecisions.builder().onCommandExecution(r -> CommandExecutionApprovalDecision.ACCEPT).build())
                .build();

        TurnResult withOverride = thread.run(TurnInput.text("one"), accepting).block(WAIT);
        TurnResult afterIt = thread.run("two").block(WAIT);

        assertThat(withOverride.itemsOf(ThreadItem.CommandExecution.class)).singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(CommandExecutionStatus.COMPLETED));
        assertThat(afterIt.itemsOf(ThreadItem.CommandExecution.class)).singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(CommandExecutionStatus.DECLINED));
    }

    @Test
    void aSecondRunOnABusyThreadFailsFast() {
        CodexThread thread = newThread();
        model.enqueue(Reply.execCommand("call-sleep", "sleep 30"));
        TurnHandle running = thread.turn(TurnInput.text("wait"));
        commandStarted(running).block(WAIT);

        assertThatThrownBy(() -> thread.run("again").block(Duration.ofSeconds(2)))
                .isInstanceOf(TurnInProgressException.class).hasMessageContaining(thread.id());
        assertThatThrownBy(() -> thread.turn("again")).isInstanceOf(TurnInProgressException.class);

        running.interrupt().block(WAIT);
        assertThat(running.result().block(WAIT).status()).isEqualTo(TurnStatus.INTERRUPTED);
        assertThat(model.requests()).hasSize(1); // "again" never reached the model
    }

    @Test
    void forkKeepsTheHistory() {
        CodexThread thread = newThread();
        model.enqueue(Reply.message("remembered"), Reply.message("forked answer"));
        thread.run("remember this").block(WAIT);

        CodexThread fork = CodexThreads.of(client).fork(thread.id(), ThreadOptions.defaults()).block(WAIT);
        TurnResult inFork = fork.run("what did I say?").block(WAIT);

        assertThat(fork.id()).isNotEqualTo(thread.id());
        assertThat(fork.snapshot().forkedFromId()).isEqualTo(thread.id());
        assertThat(inFork.finalResponse()).isEqualTo("forked answer");
        assertThat(userTexts(model.requests().get(1))).contains("remember this", "what did I say?");
        assertThat(assistantTexts(model.requests().get(1))).contains("remembered");
    }

    @Test
    void resumeAfterRestartingTheClientProcessKeepsTheHistory() {
        CodexThread thread = newThread();
        model.enqueue(Reply.message("first answer"), Reply.message("second answer"));
        String turnId = thread.run("first question").block(WAIT).turnId();
        client.close();

        client = newClient(ApprovalDecisions.declineAll()); // a new codex process, same CODEX_HOME
        CodexThread resumed = CodexThreads.of(client).resume(thread.id(), ThreadOptions.defaults()).block(WAIT);
        TurnResult next = resumed.run("second question").block(WAIT);

        assertThat(resumed.snapshot().turns()).extracting(t -> t.id()).contains(turnId);
        assertThat(resumed.snapshot().turns().get(0).items()).filteredOn(i -> i instanceof ThreadItem.AgentMessage)
                .extracting(i -> ((ThreadItem.AgentMessage) i).text()).containsExactly("first answer");
        assertThat(next.finalResponse()).isEqualTo("second answer");
        assertThat(userTexts(model.requests().get(1))).contains("first question", "second question");
    }

    @Test
    void anUnknownThreadFailsWithThreadNotFound() {
        String unknown = "00000000-0000-0000-0000-000000000000";
        assertThatThrownBy(() -> CodexThreads.of(client).resume(unknown, ThreadOptions.defaults()).block(WAIT))
                .isInstanceOf(ThreadNotFoundException.class).hasMessageContaining(unknown);
        assertThatThrownBy(() -> CodexThreads.of(client).read(unknown, true).block(WAIT)).isInstanceOf(ThreadNotFoundException.class);
        assertThatThrownBy(() -> CodexThreads.of(client).fork(unknown, ThreadOptions.defaults()).block(WAIT))
                .isInstanceOf(ThreadNotFoundException.class);
    }

    @Test
    void structuredOutputDecodesTheFinalMessageIntoARecord() {
        CodexThread thread = newThread();
        model.enqueue(Reply.message("{\"name\":\"Paris\",\"population\":2102650}"));

        City city = thread.run("biggest city of France?", City.class).block(WAIT);

        assertThat(city).isEqualTo(new City("Paris", 2102650));
        JsonNode format = model.requests().get(0).body().path("text").path("format");
        assertThat(format.path("type").asText()).isEqualTo("json_schema");
        assertThat(format.path("strict").asBoolean()).isTrue();
        JsonNode schema = format.path("schema");
        assertThat(schema.path("type").asText()).isEqualTo("object");
        assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(schema.path("required")).extracting(JsonNode::asText).containsExactlyInAnyOrder("name", "population");
        assertThat(schema.at("/properties/population/type").asText()).isEqualTo("integer");
    }

    @Test
    void structuredOutputThatDoesNotFitFailsShowingTheRawText() {
        CodexThread thread = newThread();
        model.enqueue(Reply.message("Paris, about two million people"));

        assertThatThrownBy(() -> thread.run("biggest city of France?", City.class).block(WAIT))
                .isInstanceOf(StructuredOutputException.class)
                .hasMessageContaining("Paris, about two million people")
                .satisfies(e -> assertThat(((StructuredOutputException) e).rawText())
                        .isEqualTo("Paris, about two million people"));
    }

    @Test
    void aFailedTurnYieldsAFailedResultNotAHang() {
        CodexThread thread = newThread();
        model.enqueue(Reply.httpError(500, "{\"error\":{\"message\":\"boom\"}}"));

        TurnResult result = thread.run("hello").block(WAIT);

        assertThat(result.status()).isEqualTo(TurnStatus.FAILED);
        assertThat(result.error()).isNotNull();
        assertThat(result.error().codexErrorInfo()).isEqualTo(CodexErrorInfo.Constant.INTERNAL_SERVER_ERROR);
        assertThatThrownBy(result::requireCompleted).isInstanceOf(TurnFailedException.class)
                .hasMessageContaining("FAILED");
    }

    @Test
    void aTurnDeadlineInterruptsTheTurnAndFailsItsResult() {
        CodexThread thread = newThread();
        model.enqueue(Reply.execCommand("call-sleep", "sleep 30"));

        TurnHandle turn = thread.turn(TurnInput.text("wait"), TurnOptions.builder().timeout(Duration.ofSeconds(2)).build());

        assertThatThrownBy(() -> turn.result().block(WAIT)).isInstanceOf(TurnTimeoutException.class)
                .satisfies(e -> assertThat(((TurnTimeoutException) e).kind()).isEqualTo(TurnTimeoutException.Kind.DEADLINE));
        // It was interrupted, not abandoned: codex ended the turn, and the thread takes a new one.
        List<ServerNotification> events = turn.events().collectList().block(WAIT);
        assertThat(((ServerNotification.TurnCompleted) events.get(events.size() - 1)).params().turn().status())
                .isEqualTo(TurnStatus.INTERRUPTED);
        model.enqueue(Reply.message("fresh"));
        assertThat(thread.run("next").block(WAIT).finalResponse()).isEqualTo("fresh");
    }

    @Test
    void listThreadsFollowsTheCursorAcrossPages() {
        model.enqueue(Reply.message("a"), Reply.message("b"), Reply.message("c"));
        List<String> ids = List.of(newThread(), newThread(), newThread()).stream()
                .peek(t -> t.run("hi").block(WAIT)).map(CodexThread::id).toList();

        List<String> listed = CodexThreads.of(client).list(ThreadListParams.builder().limit(1L).build())
                .map(t -> t.id()).collectList().block(WAIT);

        assertThat(listed).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void reviewReturnsTheReviewText() {
        CodexThread thread = newThread();
        model.enqueue(Reply.message("No issues found."));

        String review = thread.review(new ReviewTarget.Custom("review the README")).block(WAIT);

        assertThat(review).isEqualTo("No issues found.");
    }

    @Test
    void commandExecRunsAOneOffCommand() {
        var result = CodexThreads.of(client).exec(List.of("echo", "one-off")).block(WAIT);

        assertThat(result.exitCode()).isZero();
        assertThat(result.stdout()).isEqualTo("one-off\n");
    }

    @Test
    void theBlockingFacadeRunsTurnsWithoutReactor() {
        model.enqueue(Reply.message("plain value"));

        BlockingCodexThread thread = CodexThreads.of(client).blocking().start(ThreadOptions.defaults());
        TurnResult result = thread.run("hi");

        assertThat(result.finalResponse()).isEqualTo("plain value");
        assertThat(CodexThreads.of(client).blocking().read(thread.id(), true).turns()).hasSize(1);
    }

    private static Mono<ServerNotification> commandStarted(TurnHandle turn) {
        return turn.events().filter(e -> e instanceof ServerNotification.ItemStarted started
                && started.params().item() instanceof ThreadItem.CommandExecution).next();
    }

    private static List<String> userTexts(RecordedRequest request) {
        return texts(request, "user");
    }

    private static List<String> assistantTexts(RecordedRequest request) {
        return texts(request, "assistant");
    }

    /** The texts of the messages of {@code role} in a model request's input. */
    static List<String> texts(RecordedRequest request, String role) {
        return request.inputItems("message").stream().filter(m -> role.equals(m.path("role").asText()))
                .flatMap(m -> java.util.stream.StreamSupport.stream(m.path("content").spliterator(), false))
                .map(c -> c.path("text").asText()).toList();
    }
}
