package dev.codex4j.appserver;

import dev.codex4j.appserver.rpc.ExperimentalApiNotEnabledException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.FileChangeApprovalDecision;
import dev.codex4j.appserver.protocol.ClientMethods;
import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.protocol.ServerNotifications;
import dev.codex4j.appserver.protocol.types.AgentMessageDeltaNotification;
import dev.codex4j.appserver.protocol.types.ModelListParams;
import dev.codex4j.appserver.protocol.types.ModelListResponse;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.protocol.types.ThreadStartParams;
import dev.codex4j.appserver.protocol.types.TurnStartParams;
import dev.codex4j.appserver.protocol.types.TurnStatus;
import dev.codex4j.appserver.protocol.types.UserInput;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.testing.ProtocolAssertions;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The typed protocol against the real binary: typed calls, typed notifications, and every message of a
 * scripted turn (with approvals) decoding into its generated type and re-encoding to the same JSON.
 */
@Timeout(120)
class TypedProtocolRealCodexTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private ScriptedModel model;
    private RealCodex codex;
    private AppServerClient client;

    @BeforeEach
    void setUp() {
        model = ScriptedModel.start();
        codex = RealCodex.forModel(model);
        client = codex.clientBuilder()
                .approvals(ApprovalDecisions.builder()
                        .onCommandExecution(r -> CommandExecutionApprovalDecision.ACCEPT)
                        .onFileChange(r -> FileChangeApprovalDecision.ACCEPT)
                        .build())
                .requestTimeout(WAIT)
                .build();
    }

    @AfterEach
    void tearDown() {
        client.close();
        model.close();
        codex.close();
    }

    @Test
    void typedCallsAndTypedNotificationsRunATurn() throws Exception {
        client.start().block(WAIT);
        ModelListResponse models = client.request(ClientMethods.MODEL_LIST, ModelListParams.builder().build()).block(WAIT);
        assertThat(models.data()).isNotNull();

        String threadId = client.request(ClientMethods.THREAD_START, ThreadStartParams.builder().build())
                .block(WAIT).thread().id();
        // Each subscriber is drained on its own thread, so the delta stream cannot be ended by another
        // subscriber's turn/completed (it may still hold deltas then). It ends when the client closes, after
        // handing on everything it had buffered: then it has every delta of the turn.
        CompletableFuture<List<AgentMessageDeltaNotification>> deltas =
                client.notifications(ServerNotifications.ITEM_AGENT_MESSAGE_DELTA).collectList().toFuture();
        CompletableFuture<ServerNotification.TurnCompleted> completed = client.typedNotifications()
                .ofType(ServerNotification.TurnCompleted.class).next().toFuture();
        model.enqueue(Reply.streamedMessage("typed ", "all ", "the way"));

        client.request(ClientMethods.TURN_START, TurnStartParams.builder().threadId(threadId)
                .input(List.of(new UserInput.Text("hi", null))).build()).block(WAIT);

        var turn = completed.get().params().turn();
        assertThat(turn.status()).isEqualTo(TurnStatus.COMPLETED);
        client.close(); // every delta of the turn was published before its turn/completed
        assertThat(deltas.get(WAIT.toSeconds(), TimeUnit.SECONDS).stream()
                .map(AgentMessageDeltaNotification::delta).collect(Collectors.joining()))
                .isEqualTo("typed all the way");
        assertThat(turn.items()).filteredOn(i -> i instanceof ThreadItem.AgentMessage).singleElement()
                .satisfies(i -> assertThat(((ThreadItem.AgentMessage) i).text()).isEqualTo("typed all the way"));
    }

    @Test
    void everyMessageOfARealTurnWithApprovalsDecodesAndRoundTrips() throws Exception {
        // One subscriber collects and ends itself at turn/completed: waiting on another subscriber's
        // turn/completed could find this one still behind it.
        CompletableFuture<List<Notification>> raw = client.notifications()
                .takeUntil(n -> n.method().equals("turn/completed")).collectList().toFuture();
        client.start().block(WAIT);
        String threadId = client.request(ClientMethods.THREAD_START, ThreadStartParams.builder().build())
                .block(WAIT).thread().id();
        model.enqueue(Reply.escalatedExecCommand("call-1", "echo hi > out.txt && echo written", "needs a file"),
                Reply.applyPatchAddFile("call-2", "hello.txt", "hello"),
                Reply.streamedMessage("done ", "now"));
        client.request(ClientMethods.TURN_START, TurnStartParams.builder().threadId(threadId)
                .input(List.of(new UserInput.Text("work", null))).build()).block(WAIT);

        ObjectMapper mapper = client.objectMapper();
        List<Notification> seen = raw.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(seen).extracting(Notification::method).contains("item/started", "item/completed", "thread/tokenUsage/updated",
                "turn/diff/updated", "serverRequest/resolved", "item/agentMessage/delta", "turn/completed");
        for (Notification n : seen) {
            ServerNotification typed = ServerNotifications.decode(mapper, n.method(), n.params());
            ProtocolAssertions.assertFullyTyped(typed, n.method());
            // through text, so numbers compare by value (a long component re-reads as an int node)
            JsonNode reencoded = mapper.readTree(mapper.writeValueAsString(typed.params()));
            assertThat(withoutNulls(reencoded)).as(n.method()).isEqualTo(withoutNulls(n.params()));
        }
    }

    @Test
    void experimentalMethodsNeedTheExperimentalApi() {
        client.start().block(WAIT);
        String experimental = ClientMethods.all().stream().filter(m -> m.experimental()).findFirst()
                .orElseThrow().name();
        assertThatThrownBy(() -> client.request(experimental, Map.of()).block(WAIT))
                .isInstanceOf(ExperimentalApiNotEnabledException.class).hasMessageContaining(experimental)
                .hasMessageContaining("experimentalApi(true)");
    }

    private static JsonNode withoutNulls(JsonNode node) {
        if (node.isObject()) {
            ObjectNode copy = ((ObjectNode) node).deepCopy();
            Iterator<Map.Entry<String, JsonNode>> it = copy.properties().iterator();
            List<String> drop = new ArrayList<>();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isNull()) {
                    drop.add(e.getKey());
                } else {
                    copy.set(e.getKey(), withoutNulls(e.getValue()));
                }
            }
            copy.remove(drop);
            return copy;
        }
        if (node.isArray()) {
            var copy = node.deepCopy();
            for (int i = 0; i < copy.size(); i++) {
                ((com.fasterxml.jackson.databind.node.ArrayNode) copy).set(i, withoutNulls(copy.get(i)));
            }
            return copy;
        }
        return node;
    }
}
