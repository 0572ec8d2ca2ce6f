package dev.codex4j.appserver.thread;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.codex4j.appserver.thread.ThreadsRealCodexTest.texts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.approval.DynamicTool;
import dev.codex4j.appserver.protocol.ClientMethods;
import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.CommandExecutionStatus;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.protocol.types.ThreadListParams;
import dev.codex4j.appserver.protocol.types.ThreadStartParams;
import dev.codex4j.appserver.protocol.types.TurnStatus;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;

/**
 * What issue 15 added to the thread API, end to end against the pinned codex binary and a scripted model:
 * dynamic tools on a thread, a handle for an existing thread id, the one-shot entry point, resuming the latest
 * thread, the blocking facade's streams and callbacks, and how an interrupted or cancelled turn reports itself.
 */
@Timeout(120)
class ThreadApiRealCodexTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    record TicketQuery(String ticketId) {}

    record City(String name, int population) {}

    private final List<AppServerClient> clients = new ArrayList<>();
    private ScriptedModel model;
    private RealCodex codex;

    @BeforeEach
    void setUp() {
        model = ScriptedModel.start();
        codex = RealCodex.forModel(model);
    }

    @AfterEach
    void tearDown() {
        clients.forEach(AppServerClient::close);
        model.close();
        codex.close();
    }

    private AppServerClient newClient(boolean experimental) {
        AppServerClient client = codex.clientBuilder().requestTimeout(WAIT).experimentalApi(experimental).build();
        clients.add(client);
        client.start().block(WAIT);
        return client;
    }

    private static DynamicTool lookup(List<String> calls) {
        return DynamicTool.of("lookup_ticket", "Looks up a support ticket by id", TicketQuery.class, q -> {
            calls.add(q.ticketId());
            return "ticket " + q.ticketId() + " is open";
        });
    }

    @Test
    void aThreadStartedWithDynamicToolsAnswersTheirCallsAlsoInATurnWithItsOwnApprovals() {
        AppServerClient client = newClient(true); // the client-wide approvals know no tool
        List<String> calls = new CopyOnWriteArrayList<>();
        CodexThread thread = CodexThreads.of(client)
                .start(ThreadOptions.builder().dynamicTool(lookup(calls)).build()).block(WAIT);
        model.enqueue(Reply.functionCall("call-t1", "lookup_ticket", "{\"ticketId\":\"T-1\"}"),
                Reply.message("T-1 is open."),
                Reply.escalatedExecCommand("call-x", "echo approved", "needs it")
                        .followedBy(Reply.functionCall("call-t2", "lookup_ticket", "{\"ticketId\":\"T-2\"}")),
                Reply.message("T-2 is open too."));

        TurnResult plain = thread.run("status of T-1?").block(WAIT);
        TurnResult withApprovals = thread.run("run it, then T-2", TurnOptions.builder()
                .approvals(ApprovalDecisions.builder()
                        .onCommandExecution(r -> CommandExecutionApprovalDecision.ACCEPT).build())
                .build()).block(WAIT);

        assertThat(model.requests().get(0).body().get("tools").toString()).contains("lookup_ticket");
        assertThat(calls).containsExactly("T-1", "T-2");
        assertThat(plain.itemsOf(ThreadItem.DynamicToolCall.class)).singleElement()
                .satisfies(call -> assertThat(call.success()).isTrue());
        assertThat(model.requests().get(1).inputItems("function_call_output").toString()).contains("ticket T-1 is open");
        assertThat(withApprovals.itemsOf(ThreadItem.CommandExecution.class)).singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(CommandExecutionStatus.COMPLETED));
        assertThat(model.requests().get(3).inputItems("function_call_output").toString()).contains("ticket T-2 is open");
        assertThat(withApprovals.finalResponse()).isEqualTo("T-2 is open too.");
    }

    @Test
    void aThreadResumedInANewProcessKeepsItsToolDeclarationsAndTheResumeOptionsAnswerThem() {
        AppServerClient first = newClient(true);
        String id = CodexThreads.of(first).start(ThreadOptions.builder().dynamicTool(lookup(new ArrayList<>())).build())
                .block(WAIT).id();
        model.enqueue(Reply.message("ready"));
        CodexThreads.of(first).blocking().thread(id).run("hello");
        first.close();

        List<String> calls = new CopyOnWriteArrayList<>();
        AppServerClient second = newClient(true);
        CodexThread resumed = CodexThreads.of(second)
                .resume(id, ThreadOptions.builder().dynamicTool(lookup(calls)).build()).block(WAIT);
        model.enqueue(Reply.functionCall("call-t", "lookup_ticket", "{\"ticketId\":\"T-9\"}"), Reply.message("done"));
        TurnResult result = resumed.run("status of T-9?").block(WAIT);

        assertThat(model.requests().get(1).body().get("tools").toString()).contains("lookup_ticket");
        assertThat(calls).containsExactly("T-9");
        assertThat(result.itemsOf(ThreadItem.DynamicToolCall.class)).singleElement()
                .satisfies(call -> assertThat(call.success()).isTrue());
    }

    @Test
    void aHandleForAThreadStartedThroughTheRawClientRunsTurns() {
        AppServerClient client = newClient(false);
        String id = client.request(ClientMethods.THREAD_START, ThreadStartParams.builder().build()).block(WAIT)
                .thread().id();
        model.enqueue(Reply.message("through the handle"));

        CodexThread thread = CodexThreads.of(client).thread(id).block(WAIT);
        TurnResult result = thread.run("hi").block(WAIT);

        assertThat(thread.id()).isEqualTo(id);
        assertThat(result.finalResponse()).isEqualTo("through the handle");
        assertThatThrownBy(() -> CodexThreads.of(client).thread("00000000-0000-0000-0000-000000000000").block(WAIT))
                .isInstanceOf(ThreadNotFoundException.class);
    }

    @Test
    void aHandleForAStoredThreadNotLoadedInThisProcessResumesIt() {
        AppServerClient first = newClient(false);
        String id = CodexThreads.of(first).start(ThreadOptions.defaults()).block(WAIT).id();
        model.enqueue(Reply.message("first"), Reply.message("second"));
        CodexThreads.of(first).thread(id).block(WAIT).run("one").block(WAIT);
        first.close();

        AppServerClient second = newClient(false);
        TurnResult result = CodexThreads.of(second).thread(id).block(WAIT).run("two").block(WAIT);

        assertThat(result.finalResponse()).isEqualTo("second");
        assertThat(texts(model.requests().get(1), "user")).contains("one", "two");
    }

    @Test
    void runOnceStartsCodexRunsOnePromptInAnEphemeralThreadAndClosesCodex() throws Exception {
        model.enqueue(Reply.streamedMessage("once ", "only"));

        TurnResult result = CodexThreads.runOnce(codex.clientBuilder(), "just this").block(WAIT);

        assertThat(result.isCompleted()).isTrue();
        assertThat(result.finalResponse()).isEqualTo("once only");
        assertThat(texts(model.requests().get(0), "user")).contains("just this");
        assertThat(codexProcessesOfThisTest()).as("no codex left running").isZero();
        // Ephemeral: nothing was stored for a later process to list.
        AppServerClient later = newClient(false);
        assertThat(CodexThreads.of(later).list().collectList().block(WAIT)).isEmpty();
    }

    @Test
    void theBlockingRunOnceDecodesStructuredOutputWithThreadAndTurnOptions() {
        model.enqueue(Reply.message("{\"name\":\"Paris\",\"population\":2102650}"));

        City city = BlockingCodexThreads.runOnce(codex.clientBuilder(), TurnInput.text("biggest city of France?"),
                ThreadOptions.builder().developerInstructions("Answer as JSON.").build(),
                TurnOptions.builder().effort("low").build(), City.class);

        assertThat(city).isEqualTo(new City("Paris", 2102650));
        JsonNode request = model.requests().get(0).body();
        assertThat(request.path("text").path("format").path("type").asText()).isEqualTo("json_schema");
        assertThat(request.path("reasoning").path("effort").asText()).isEqualTo("low");
        assertThat(request.get("input").toString()).contains("Answer as JSON.");
    }

    @Test
    void runOnceClosesCodexWhenTheTurnFails() throws Exception {
        model.enqueue(Reply.httpError(400, "bad request body"));

        TurnResult result = BlockingCodexThreads.runOnce(codex.clientBuilder(), "fail please");

        assertThat(result.isFailed()).isTrue();
        assertThat(result.isCompleted()).isFalse();
        assertThat(result.isInterrupted()).isFalse();
        assertThat(result.error().message()).contains("bad request body");
        assertThat(codexProcessesOfThisTest()).isZero();
    }

    @Test
    void resumeLatestPicksTheMostRecentlyUpdatedThreadOptionallyOfAWorkingDirectory() throws Exception {
        Path sub = Files.createDirectories(codex.workspace().resolve("sub"));
        AppServerClient first = newClient(false);
        assertThat(CodexThreads.of(first).resumeLatest(ThreadOptions.defaults()).blockOptional(WAIT)).isEmpty();
        CodexThreads threads = CodexThreads.of(first);
        CodexThread older = threads.start(ThreadOptions.defaults()).block(WAIT);
        CodexThread inSub = threads.start(ThreadOptions.builder().cwd(sub).build()).block(WAIT);
        model.enqueue(Reply.message("a"), Reply.message("b"), Reply.message("c"), Reply.message("d"));
        older.run("older, first turn").block(WAIT);
        inSub.run("in sub").block(WAIT);
        older.run("older, second turn").block(WAIT); // now the most recently updated, though created first
        first.close();

        AppServerClient second = newClient(false);
        CodexThread latest = CodexThreads.of(second).resumeLatest(ThreadOptions.defaults()).block(WAIT);
        CodexThread latestInSub = CodexThreads.of(second).resumeLatest(sub, ThreadOptions.defaults()).block(WAIT);

        assertThat(latest.id()).isEqualTo(older.id());
        assertThat(latest.snapshot().turns()).hasSize(2);
        assertThat(latestInSub.id()).isEqualTo(inSub.id());
        assertThat(CodexThreads.of(second).blocking()
                .resumeLatest(codex.workspace().resolve("nowhere"), ThreadOptions.defaults())).isEmpty();
        TurnResult next = latest.run("continue").block(WAIT);
        assertThat(next.finalResponse()).isEqualTo("d");
        assertThat(texts(model.requests().get(3), "user")).contains("older, first turn", "older, second turn", "continue");
    }

    @Test
    void theBlockingFacadeStreamsEventsAndTextWithoutReactorAndClosesWhatItOpened() {
        model.enqueue(Reply.streamedMessage("one ", "two ", "three"), Reply.streamedMessage("four ", "five"),
                Reply.message("not streamed"));
        AppServerClient client;
        List<String> callbackThreads = new CopyOnWriteArrayList<>();
        List<String> methods = new CopyOnWriteArrayList<>();
        try (BlockingCodexThreads codexThreads = BlockingCodexThreads.open(codex.clientBuilder().requestTimeout(WAIT))) {
            client = codexThreads.reactive().client();
            BlockingCodexThread thread = codexThreads.start(ThreadOptions.defaults());

            BlockingTurnHandle turn = thread.turn("count");
            String text;
            try (Stream<String> deltas = turn.textDeltas()) {
                text = deltas.collect(Collectors.joining("|"));
            }
            List<String> eventMethods;
            try (Stream<ServerNotification> events = turn.events()) {
                eventMethods = events.map(ServerNotification::method).toList();
            }
            assertThat(text).isEqualTo("one |two |three");
            assertThat(turn.result().finalResponse()).isEqualTo("one two three");
            assertThat(turn.turnId()).contains(turn.result().turnId());
            assertThat(eventMethods).endsWith("turn/completed").contains("item/agentMessage/delta");

            String caller = Thread.currentThread().getName();
            TurnResult streamed = thread.runStreamed("more", event -> {
                callbackThreads.add(Thread.currentThread().getName());
                methods.add(event.method());
            });
            assertThat(streamed.finalResponse()).isEqualTo("four five");
            assertThat(methods).endsWith("turn/completed").contains("item/agentMessage/delta", "turn/started");
            assertThat(callbackThreads).containsOnly(caller);

            // A message the model did not stream still comes through textDeltas, whole.
            assertThat(thread.turn("plain").textDeltas().toList()).containsExactly("not streamed");
            assertThat(client.isReady()).isTrue();
        }
        assertThat(client.isReady()).isFalse();
    }

    @Test
    void aCallbackThatThrowsInterruptsTheTurnAndTheExceptionReachesTheCaller() {
        AppServerClient client = newClient(false);
        BlockingCodexThread thread = CodexThreads.of(client).blocking().start(ThreadOptions.defaults());
        model.enqueue(Reply.execCommand("call-sleep", "sleep 30"));

        assertThatThrownBy(() -> thread.runStreamed("wait", event -> {
            if (event instanceof ServerNotification.ItemStarted started
                    && started.params().item() instanceof ThreadItem.CommandExecution) {
                throw new IllegalStateException("seen enough");
            }
        })).isInstanceOf(IllegalStateException.class).hasMessage("seen enough");

        TurnResult ended = thread.lastTurn().orElseThrow().result();
        assertThat(ended.isInterrupted()).isTrue();
        assertThat(thread.hasRunningTurn()).isFalse();
    }

    @Test
    void anInterruptedTurnSaysSoAndACancelledRunStillTellsHowItEnded() {
        AppServerClient client = newClient(false);
        CodexThread thread = CodexThreads.of(client).start(ThreadOptions.defaults()).block(WAIT);
        model.enqueue(Reply.execCommand("call-sleep", "sleep 30"));

        Disposable run = thread.run("wait a while").subscribe();
        TurnHandle turn = thread.lastTurn().orElseThrow();
        turn.events().filter(e -> e instanceof ServerNotification.ItemStarted started
                && started.params().item() instanceof ThreadItem.CommandExecution).blockFirst(WAIT);
        assertThat(thread.hasRunningTurn()).isTrue();
        run.dispose();
        TurnResult result = turn.result().block(WAIT);

        assertThat(result.status()).isEqualTo(TurnStatus.INTERRUPTED);
        assertThat(result.isInterrupted()).isTrue();
        assertThat(result.isCompleted()).isFalse();
        assertThat(result.isFailed()).isFalse();
        assertThat(thread.hasRunningTurn()).isFalse();
        assertThat(thread.lastTurn()).containsSame(turn);
    }

    /** The codex processes talking to this test's model (its port is in their arguments). */
    private long codexProcessesOfThisTest() {
        String modelUrl = model.baseUrl();
        return ProcessHandle.allProcesses().filter(p -> p.info().arguments()
                .map(args -> String.join(" ", args).contains(modelUrl)).orElse(false)).count();
    }
}
