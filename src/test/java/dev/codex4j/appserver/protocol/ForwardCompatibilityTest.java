package dev.codex4j.appserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalResponse;
import dev.codex4j.appserver.protocol.types.ItemCompletedNotification;
import dev.codex4j.appserver.protocol.types.RequestId;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.protocol.types.ThreadSectionMoveParams;
import dev.codex4j.appserver.protocol.types.ThreadStartParams;
import dev.codex4j.appserver.protocol.types.TurnCompletedNotification;
import dev.codex4j.appserver.protocol.types.TurnStatus;
import dev.codex4j.appserver.protocol.types.UserInput;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A newer server (unknown methods, variants, enum values, fields) never breaks decoding. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ForwardCompatibilityTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The JSON of {@code value} as parsed from text (so 7 is an int node, as in {@link #json}). */
    private static JsonNode tree(Object value) throws IOException {
        return MAPPER.readTree(MAPPER.writeValueAsString(value));
    }

    private static JsonNode json(String text) throws IOException {
        return MAPPER.readTree(text.replace('\'', '"'));
    }

    @Test
    void unknownNotificationMethodKeepsRawParams() throws IOException {
        JsonNode params = json("{'threadId':'t1','shiny':{'nested':[1,2]}}");
        ServerNotification n = ServerNotifications.decode(MAPPER, "thread/shinyNewThing", params);
        assertThat(n).isInstanceOf(ServerNotification.UnknownNotification.class);
        assertThat(n.method()).isEqualTo("thread/shinyNewThing");
        assertThat(n.params()).isEqualTo(params);
    }

    @Test
    void unknownServerRequestMethodKeepsRawParams() throws IOException {
        JsonNode params = json("{'question':'?'}");
        ServerRequest r = ServerRequests.decode(MAPPER, "item/brandNew/requestSomething", params);
        assertThat(r).isEqualTo(new ServerRequest.UnknownRequest("item/brandNew/requestSomething", params));
    }

    @Test
    void itemWithUnknownTypeKeepsRawJsonAndWritesItBack() throws IOException {
        JsonNode item = json("{'type':'hologram','id':'i1','beams':3}");
        JsonNode params = json("{'threadId':'t','turnId':'u','completedAtMs':5}");
        ((com.fasterxml.jackson.databind.node.ObjectNode) params).set("item", item);
        ServerNotification n = ServerNotifications.decode(MAPPER, "item/completed", params);
        ItemCompletedNotification payload = ((ServerNotification.ItemCompleted) n).params();
        assertThat(payload.item()).isInstanceOf(ThreadItem.UnknownThreadItem.class);
        assertThat(payload.item().type()).isEqualTo("hologram");
        assertThat(((ThreadItem.UnknownThreadItem) payload.item()).raw()).isEqualTo(item);
        assertThat(tree(payload).get("item")).isEqualTo(item);
    }

    @Test
    void knownItemTypeDecodesToItsRecord() throws IOException {
        ThreadItem item = MAPPER.treeToValue(json("{'type':'agentMessage','id':'i1','text':'hi','startedAtMs':7}"),
                ThreadItem.class);
        assertThat(item).isInstanceOf(ThreadItem.AgentMessage.class);
        ThreadItem.AgentMessage message = (ThreadItem.AgentMessage) item;
        assertThat(message.text()).isEqualTo("hi");
        assertThat(message.startedAtMs()).isEqualTo(7L);
        assertThat(tree(message)).isEqualTo(json("{'type':'agentMessage','id':'i1','text':'hi','startedAtMs':7}"));
    }

    @Test
    void enumValueTheSchemaLacksIsUnrecognized() throws IOException {
        TurnCompletedNotification n = MAPPER.treeToValue(
                json("{'threadId':'t','turn':{'id':'u','items':[],'status':'teleported'}}"), TurnCompletedNotification.class);
        assertThat(n.turn().status()).isEqualTo(TurnStatus.UNRECOGNIZED);
        assertThat(MAPPER.treeToValue(json("{'threadId':'t','turn':{'id':'u','items':[],'status':'failed'}}"),
                TurnCompletedNotification.class).turn().status()).isEqualTo(TurnStatus.FAILED);
    }

    @Test
    void extraFieldsAreIgnored() throws IOException {
        TurnCompletedNotification n = MAPPER.treeToValue(
                json("{'threadId':'t','future':{'x':1},'turn':{'id':'u','items':[],'status':'completed','more':[true]}}"),
                TurnCompletedNotification.class);
        assertThat(n.threadId()).isEqualTo("t");
        assertThat(n.turn().status()).isEqualTo(TurnStatus.COMPLETED);
    }

    @Test
    void decisionConstantsAndRecords() throws IOException {
        assertThat(MAPPER.writeValueAsString(new CommandExecutionRequestApprovalResponse(
                CommandExecutionApprovalDecision.ACCEPT))).isEqualTo("{\"decision\":\"accept\"}");
        CommandExecutionApprovalDecision amend =
                CommandExecutionApprovalDecision.AcceptWithExecpolicyAmendment.of(List.of("git", "status"));
        JsonNode amendJson = json("{'acceptWithExecpolicyAmendment':{'execpolicy_amendment':['git','status']}}");
        assertThat(tree(amend)).isEqualTo(amendJson);
        assertThat(MAPPER.treeToValue(amendJson, CommandExecutionApprovalDecision.class)).isEqualTo(amend);
        assertThat(MAPPER.treeToValue(json("'acceptForSession'"), CommandExecutionApprovalDecision.class))
                .isSameAs(CommandExecutionApprovalDecision.ACCEPT_FOR_SESSION);
        JsonNode future = json("{'acceptWithTelepathy':{'level':9}}");
        CommandExecutionApprovalDecision unknown = MAPPER.treeToValue(future, CommandExecutionApprovalDecision.class);
        assertThat(unknown).isEqualTo(new CommandExecutionApprovalDecision.UnknownCommandExecutionApprovalDecision(future));
        assertThat(tree(unknown)).isEqualTo(future);
        assertThat(MAPPER.treeToValue(json("'maybe'"), CommandExecutionApprovalDecision.class))
                .isInstanceOf(CommandExecutionApprovalDecision.UnknownCommandExecutionApprovalDecision.class);
    }

    @Test
    void requestIdIsAStringOrAnInteger() throws IOException {
        assertThat(MAPPER.treeToValue(json("7"), RequestId.class)).isEqualTo(RequestId.of(7));
        assertThat(MAPPER.treeToValue(json("'abc'"), RequestId.class)).isEqualTo(RequestId.of("abc"));
        assertThat(MAPPER.writeValueAsString(RequestId.of(7))).isEqualTo("7");
        assertThat(MAPPER.writeValueAsString(RequestId.of("abc"))).isEqualTo("\"abc\"");
    }

    @Test
    void paramsBuilderWritesOnlyWhatWasSet() throws IOException {
        ThreadStartParams params = ThreadStartParams.builder().model("gpt-x").cwd("/tmp/w").ephemeral(true).build();
        assertThat(tree(params)).isEqualTo(json("{'model':'gpt-x','cwd':'/tmp/w','ephemeral':true}"));
        assertThat(tree(ThreadStartParams.builder().build())).isEqualTo(json("{}"));
        UserInput text = new UserInput.Text("hello", null);
        assertThat(tree(text)).isEqualTo(json("{'type':'text','text':'hello'}"));
    }

    @Test
    void requiredNullableFieldsAreWrittenAsNull() throws IOException {
        ThreadSectionMoveParams move = ThreadSectionMoveParams.builder().threadId("t").build();
        assertThat(tree(move).has("sectionId")).isTrue();
        assertThat(tree(move).get("sectionId").isNull()).isTrue();
    }

    @Test
    void malformedParamsOfAKnownMethodAreAnError() throws IOException {
        assertThatThrownBy(() -> ServerNotifications.decode(MAPPER, "turn/completed", json("{'turn':[1,2]}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("turn/completed");
    }
}
