package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.rpc.ConnectionClosedException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.protocol.types.TurnStatus;
import dev.codex4j.appserver.testing.InMemoryTransport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Turn routing over an in-memory server, where the order of responses and notifications is exactly as
 * scripted: the races the real binary produces only now and then.
 */
@Timeout(30)
class TurnHandleTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String THREAD = "th-1";

    private final InMemoryTransport server = new InMemoryTransport();
    private AppServerClient client;
    private CodexThread thread;

    @BeforeEach
    void setUp() {
        client = AppServerClient.builder().transport(() -> server).requestTimeout(Duration.ofSeconds(10)).build();
        CompletableFuture<?> started = client.start().toFuture();
        server.completeHandshake();
        started.join();
        CompletableFuture<CodexThread> threadStarted = CodexThreads.of(client).start(ThreadOptions.defaults()).toFuture();
        answer("thread/start", "{\"thread\":{\"id\":\"" + THREAD + "\"}}");
        thread = threadStarted.join();
    }

    @AfterEach
    void tearDown() {
        client.close();
    }

    @Test
    void eventsBeforeTheTurnStartResponseAreReplayedAndOtherTurnsAndThreadsAreDropped() {
        TurnHandle turn = thread.turn("hi");
        JsonNode request = server.nextWrittenJson();
        assertThat(request.path("method").asText()).isEqualTo("turn/start");
        // All of this arrives before the response names the turn.
        server.serverSends(notification("turn/started", "{\"threadId\":\"th-1\",\"turn\":" + turn("t-1", "inProgress") + "}"));
        server.serverSends(delta("th-1", "t-0", "from an earlier turn"));
        server.serverSends(delta("th-2", "t-1", "from another thread"));
        server.serverSends(delta("th-1", "t-1", "mine "));
        server.serverSends("{\"id\":" + request.get("id") + ",\"result\":{\"turn\":" + turn("t-1", "inProgress") + "}}");
        server.serverSends(delta("th-1", "t-1", "too"));
        server.serverSends(agentMessage("th-1", "t-1", "mine too"));
        server.serverSends(delta("th-2", "t-9", "another thread again"));
        server.serverSends(completed("th-1", "t-1", "completed"));

        TurnResult result = turn.result().block(WAIT);
        List<ServerNotification> events = turn.events().collectList().block(WAIT);

        assertThat(events).extracting(ServerNotification::method).containsExactly("turn/started",
                "item/agentMessage/delta", "item/agentMessage/delta", "item/completed", "turn/completed");
        assertThat(events).filteredOn(e -> e instanceof ServerNotification.ItemAgentMessageDelta)
                .extracting(e -> ((ServerNotification.ItemAgentMessageDelta) e).params().delta())
                .containsExactly("mine ", "too");
        assertThat(result.turnId()).isEqualTo("t-1");
        assertThat(result.finalResponse()).isEqualTo("mine too");
        assertThat(turn.turnId().block(WAIT)).isEqualTo("t-1");
    }

    @Test
    void anErrorThatWillBeRetriedIsAnEventNotTheEnd() {
        TurnHandle turn = startedTurn("t-1");
        server.serverSends(notification("error", "{\"threadId\":\"th-1\",\"turnId\":\"t-1\",\"willRetry\":true,"
                + "\"error\":{\"message\":\"Reconnecting... 1/5\",\"codexErrorInfo\":null}}"));
        server.serverSends(agentMessage("th-1", "t-1", "made it"));
        server.serverSends(completed("th-1", "t-1", "completed"));

        TurnResult result = turn.result().block(WAIT);

        assertThat(result.status()).isEqualTo(TurnStatus.COMPLETED);
        assertThat(result.finalResponse()).isEqualTo("made it");
        assertThat(result.error()).isNull();
        assertThat(turn.events().collectList().block(WAIT)).extracting(ServerNotification::method).contains("error");
    }

    @Test
    void aTurnEndsExactlyOnceEvenIfTheServerRepeatsItsCompletion() {
        TurnHandle turn = startedTurn("t-1");
        server.serverSends(completed("th-1", "t-1", "interrupted"));
        server.serverSends(completed("th-1", "t-1", "completed"));
        server.awaitDelivered();

        assertThat(turn.result().block(WAIT).status()).isEqualTo(TurnStatus.INTERRUPTED);
        assertThat(turn.events().collectList().block(WAIT)).filteredOn(e -> e instanceof ServerNotification.TurnCompleted)
                .hasSize(1);
    }

    @Test
    void aSecondTurnOnABusyThreadFailsBeforeAnythingIsSent() {
        startedTurn("t-1");

        assertThatThrownBy(() -> thread.turn("again")).isInstanceOf(TurnInProgressException.class);
        assertThatThrownBy(() -> thread.run("again").block(WAIT)).isInstanceOf(TurnInProgressException.class);
        assertThat(server.drainWritten()).isEmpty();
    }

    @Test
    void theThreadTakesANewTurnOnceTheLastOneHasEnded() {
        TurnHandle first = startedTurn("t-1");
        server.serverSends(completed("th-1", "t-1", "completed"));
        first.result().block(WAIT);

        TurnHandle second = thread.turn("next");

        assertThat(server.nextWrittenJson().path("method").asText()).isEqualTo("turn/start");
        assertThat(second.hasEnded()).isFalse();
    }

    @Test
    void aRefusedTurnStartOnAnUnknownThreadFailsWithThreadNotFound() {
        TurnHandle turn = thread.turn("hi");
        JsonNode request = server.nextWrittenJson();
        server.serverSends("{\"id\":" + request.get("id")
                + ",\"error\":{\"code\":-32600,\"message\":\"thread not found: th-1\"}}");

        assertThatThrownBy(() -> turn.result().block(WAIT)).isInstanceOf(ThreadNotFoundException.class)
                .hasMessageContaining("th-1");
        assertThat(CodexThreads.of(client).hasRunningTurn(THREAD)).isFalse();
    }

    @Test
    void theResultFailsWhenTheConnectionEndsMidTurn() {
        TurnHandle turn = startedTurn("t-1");

        server.serverExits(1, "boom");

        assertThatThrownBy(() -> turn.result().block(WAIT)).isInstanceOf(ConnectionClosedException.class);
        assertThatThrownBy(() -> turn.events().blockLast(WAIT)).isInstanceOf(ConnectionClosedException.class);
    }

    @Test
    void anInactivityTimeoutInterruptsTheTurnAndFailsItsResult() {
        TurnHandle turn = thread.turn(TurnInput.text("hi"),
                TurnOptions.builder().inactivityTimeout(Duration.ofMillis(300)).build());
        JsonNode start = server.nextWrittenJson();
        server.serverSends("{\"id\":" + start.get("id") + ",\"result\":{\"turn\":" + turn("t-1", "inProgress") + "}}");

        JsonNode interrupt = server.nextWrittenJson(); // nothing happens for 300 ms, so the handle interrupts
        assertThat(interrupt.path("method").asText()).isEqualTo("turn/interrupt");
        assertThat(interrupt.path("params").path("turnId").asText()).isEqualTo("t-1");
        server.serverSends("{\"id\":" + interrupt.get("id") + ",\"result\":{}}");
        server.serverSends(completed("th-1", "t-1", "interrupted"));

        assertThatThrownBy(() -> turn.result().block(WAIT)).isInstanceOf(TurnTimeoutException.class)
                .satisfies(e -> assertThat(((TurnTimeoutException) e).kind())
                        .isEqualTo(TurnTimeoutException.Kind.INACTIVITY));
    }

    @Test
    void theReplayKeepsTheLatestEventsAndALateSubscriberIsToldHowManyItMissed() {
        TurnHandle turn = thread.turn(TurnInput.text("hi"), TurnOptions.builder().eventHistory(3).build());
        List<ServerNotification> live = new java.util.concurrent.CopyOnWriteArrayList<>();
        turn.events().subscribe(live::add); // subscribed before the first event
        JsonNode start = server.nextWrittenJson();
        server.serverSends("{\"id\":" + start.get("id") + ",\"result\":{\"turn\":" + turn("t-1", "inProgress") + "}}");
        for (String text : List.of("a", "b", "c", "d", "e")) {
            server.serverSends(delta("th-1", "t-1", text));
        }
        server.serverSends(agentMessage("th-1", "t-1", "abcde"));
        server.serverSends(completed("th-1", "t-1", "completed"));

        TurnResult result = turn.result().block(WAIT);
        List<ServerNotification> late = turn.events().collectList().block(WAIT);

        // 7 events in all: the late subscriber gets the last 3, after a notice that 4 came before them.
        assertThat(late).extracting(ServerNotification::method).containsExactly(TurnHandle.EVENTS_DROPPED,
                "item/agentMessage/delta", "item/completed", "turn/completed");
        assertThat(((ServerNotification.UnknownNotification) late.get(0)).params().get("dropped").asLong()).isEqualTo(4);
        assertThat(((ServerNotification.ItemAgentMessageDelta) late.get(1)).params().delta()).isEqualTo("e");
        // The early subscriber saw everything; the result does not depend on the replay.
        assertThat(live).extracting(ServerNotification::method).doesNotContain(TurnHandle.EVENTS_DROPPED).hasSize(7);
        assertThat(result.items()).hasSize(1);
        assertThat(result.finalResponse()).isEqualTo("abcde");
    }

    @Test
    void aLateSubscriberWithinTheHistoryGetsTheWholeTurnWithoutANotice() {
        TurnHandle turn = thread.turn(TurnInput.text("hi"), TurnOptions.builder().eventHistory(3).build());
        JsonNode start = server.nextWrittenJson();
        server.serverSends("{\"id\":" + start.get("id") + ",\"result\":{\"turn\":" + turn("t-1", "inProgress") + "}}");
        server.serverSends(delta("th-1", "t-1", "a"));
        server.serverSends(completed("th-1", "t-1", "completed"));
        turn.result().block(WAIT);

        assertThat(turn.events().collectList().block(WAIT)).extracting(ServerNotification::method)
                .containsExactly("item/agentMessage/delta", "turn/completed");
    }

    @Test
    void theDefaultHistoryKeepsTenThousandEvents() {
        assertThat(TurnOptions.defaults().eventHistory()).isEqualTo(TurnOptions.DEFAULT_EVENT_HISTORY).isEqualTo(10_000);
        assertThatThrownBy(() -> TurnOptions.builder().eventHistory(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void textDeltasCarryTheStreamedTextAndTheWholeTextOfAMessageThatWasNotStreamed() {
        TurnHandle turn = startedTurn("t-1");
        server.serverSends(delta("th-1", "t-1", "Hel"));
        server.serverSends(delta("th-1", "t-1", "lo. "));
        server.serverSends(agentMessage("th-1", "t-1", "Hello. ")); // item m, already streamed
        server.serverSends(notification("item/completed", "{\"threadId\":\"th-1\",\"turnId\":\"t-1\","
                + "\"item\":{\"type\":\"agentMessage\",\"id\":\"m2\",\"text\":\"Bye.\"}}"));
        server.serverSends(completed("th-1", "t-1", "completed"));

        assertThat(turn.textDeltas().collectList().block(WAIT)).containsExactly("Hel", "lo. ", "Bye.");
    }

    @Test
    void threadOptionsSendTheApprovalsReviewerAndDeclareTheDynamicTools() {
        var lookup = dev.codex4j.appserver.approval.DynamicTool.ofJson("lookup_ticket", "Looks up a ticket",
                client.objectMapper().createObjectNode().put("type", "object"), args -> "open");
        CompletableFuture<CodexThread> started = CodexThreads.of(client).start(ThreadOptions.builder()
                .approvalsReviewer(dev.codex4j.appserver.protocol.types.ApprovalsReviewer.AUTO_REVIEW)
                .dynamicTool(lookup).build()).toFuture();
        JsonNode request = server.nextWrittenJson();
        server.serverSends("{\"id\":" + request.get("id") + ",\"result\":{\"thread\":{\"id\":\"th-2\"}}}");
        started.join();

        assertThat(request.at("/params/approvalsReviewer").asText()).isEqualTo("auto_review");
        assertThat(request.at("/params/dynamicTools/0/name").asText()).isEqualTo("lookup_ticket");
        assertThat(request.at("/params/dynamicTools/0/inputSchema/type").asText()).isEqualTo("object");
        assertThat(request.at("/params/dynamicTools")).hasSize(1);
    }

    private TurnHandle startedTurn(String turnId) {
        TurnHandle turn = thread.turn("hi");
        JsonNode request = server.nextWrittenJson();
        server.serverSends("{\"id\":" + request.get("id") + ",\"result\":{\"turn\":" + turn(turnId, "inProgress") + "}}");
        turn.turnId().block(WAIT);
        return turn;
    }

    private void answer(String method, String result) {
        JsonNode request = server.nextWrittenJson();
        assertThat(request.path("method").asText()).isEqualTo(method);
        server.serverSends("{\"id\":" + request.get("id") + ",\"result\":" + result + "}");
    }

    private static String turn(String id, String status) {
        return "{\"id\":\"" + id + "\",\"items\":[],\"status\":\"" + status + "\"}";
    }

    private static String notification(String method, String params) {
        return "{\"method\":\"" + method + "\",\"params\":" + params + "}";
    }

    private static String delta(String threadId, String turnId, String text) {
        return notification("item/agentMessage/delta", "{\"threadId\":\"" + threadId + "\",\"turnId\":\"" + turnId
                + "\",\"itemId\":\"m\",\"delta\":\"" + text + "\"}");
    }

    private static String agentMessage(String threadId, String turnId, String text) {
        return notification("item/completed", "{\"threadId\":\"" + threadId + "\",\"turnId\":\"" + turnId
                + "\",\"item\":{\"type\":\"agentMessage\",\"id\":\"m\",\"text\":\"" + text + "\"}}");
    }

    private static String completed(String threadId, String turnId, String status) {
        return notification("turn/completed", "{\"threadId\":\"" + threadId + "\",\"turn\":" + turn(turnId, status) + "}");
    }
}
