package dev.codex4j.appserver.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codex4j.appserver.approval.ApprovalEvent.DecidedBy;
import dev.codex4j.appserver.protocol.ServerRequests;
import dev.codex4j.appserver.protocol.types.DynamicToolCallOutputContentItem;
import dev.codex4j.appserver.protocol.types.DynamicToolCallResponse;
import dev.codex4j.appserver.protocol.types.DynamicToolSpec;
import dev.codex4j.appserver.rpc.RequestId;
import dev.codex4j.appserver.rpc.IncomingRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30)
class DynamicToolTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    record TicketQuery(String ticketId) {}

    private final TestApprovalContext context = new TestApprovalContext();

    private final DynamicTool lookup = DynamicTool.of("lookup_ticket", "Looks up a support ticket by id",
            TicketQuery.class, q -> "ticket " + q.ticketId() + " is open");

    private IncomingRequest call(String tool, String arguments) {
        return new IncomingRequest(RequestId.of(11), ServerRequests.ITEM_TOOL_CALL.name(), context.json("""
                {"threadId":"thr-1","turnId":"turn-1","callId":"call-1","namespace":null,"tool":"%s",
                 "arguments":%s}""".formatted(tool, arguments)));
    }

    private JsonNode answer(ApprovalDecisions approvals, IncomingRequest request) {
        return context.resultTree(approvals.handle(request, context).block(WAIT));
    }

    private static ApprovalDecisions with(DynamicTool... tools) {
        var builder = ApprovalDecisions.builder();
        for (DynamicTool tool : tools) {
            builder.dynamicTool(tool);
        }
        return builder.build();
    }

    @Test
    void aTypedToolAnswersItsCallWithItsText() {
        JsonNode result = answer(with(lookup), call("lookup_ticket", "{\"ticketId\":\"T-1\"}"));
        assertThat(result).isEqualTo(context.json("""
                {"contentItems":[{"type":"inputText","text":"ticket T-1 is open"}],"success":true}"""));
        assertThat(context.events()).singleElement().satisfies(event -> {
            assertThat(event.decidedBy()).isEqualTo(DecidedBy.HANDLER);
            assertThat(event.method()).isEqualTo("item/tool/call");
            assertThat(event.threadId()).isEqualTo("thr-1");
            assertThat(event.turnId()).isEqualTo("turn-1");
            assertThat(event.itemId()).isEqualTo("call-1");
            assertThat(context.json(event.decision())).isEqualTo(result);
        });
    }

    @Test
    void aThrowingFunctionBecomesAFailedResultCarryingItsMessage() {
        DynamicTool failing = DynamicTool.of("lookup_ticket", "Looks up a ticket", TicketQuery.class, q -> {
            throw new IllegalStateException("ticket service is down");
        });
        JsonNode result = answer(with(failing), call("lookup_ticket", "{\"ticketId\":\"T-1\"}"));
        assertThat(result.get("success").asBoolean(true)).isFalse();
        assertThat(result.get("contentItems")).hasSize(1);
        assertThat(result.get("contentItems").get(0).get("type").asText()).isEqualTo("inputText");
        assertThat(result.get("contentItems").get(0).get("text").asText())
                .isEqualTo("tool 'lookup_ticket' failed: ticket service is down");
        assertThat(context.events()).singleElement().extracting(ApprovalEvent::decidedBy).isEqualTo(DecidedBy.HANDLER);
    }

    @Test
    void argumentsThatDoNotFitTheRecordBecomeAFailedResult() {
        JsonNode result = answer(with(lookup), call("lookup_ticket", "{\"ticketId\":[\"a\",\"b\"]}"));
        assertThat(result.get("success").asBoolean(true)).isFalse();
        assertThat(result.get("contentItems").get(0).get("text").asText()).startsWith("tool 'lookup_ticket' failed: ");
    }

    @Test
    void anUnknownToolNameGetsAFailedResultNamingIt() {
        JsonNode result = answer(with(lookup), call("delete_everything", "{}"));
        assertThat(result).isEqualTo(context.json("""
                {"contentItems":[{"type":"inputText",
                  "text":"no tool named 'delete_everything' is registered with this client"}],
                 "success":false}"""));
        assertThat(context.events()).singleElement().extracting(ApprovalEvent::decidedBy).isEqualTo(DecidedBy.DEFAULT);
    }

    @Test
    void eachCallGoesToTheToolItNames() {
        DynamicTool clock = DynamicTool.ofJson("clock", "Tells the time", context.json("{\"type\":\"object\"}"),
                args -> "noon");
        ApprovalDecisions approvals = with(lookup, clock);
        assertThat(answer(approvals, call("clock", "{}")).get("contentItems").get(0).get("text").asText())
                .isEqualTo("noon");
        assertThat(answer(approvals, call("lookup_ticket", "{\"ticketId\":\"T-2\"}")).get("contentItems").get(0)
                .get("text").asText()).isEqualTo("ticket T-2 is open");
    }

    @Test
    void ofJsonReceivesTheRawArguments() {
        DynamicTool echo = DynamicTool.ofJson("echo", "Echoes its arguments",
                context.json("{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"integer\"}}}"),
                args -> "x=" + args.get("x").asInt());
        JsonNode result = answer(with(echo), call("echo", "{\"x\":42}"));
        assertThat(result).isEqualTo(context.json("""
                {"contentItems":[{"type":"inputText","text":"x=42"}],"success":true}"""));
    }

    @Test
    void ofResponseSendsTheResponseItBuilt() {
        DynamicTool picture = DynamicTool.ofResponse("picture", "Draws", context.json("{\"type\":\"object\"}"),
                call -> new DynamicToolCallResponse(List.of(
                        new DynamicToolCallOutputContentItem.InputText("for " + call.callId()),
                        new DynamicToolCallOutputContentItem.InputImage("data:image/png;base64,AAAA")), false));
        JsonNode result = answer(with(picture), call("picture", "{}"));
        assertThat(result).isEqualTo(context.json("""
                {"contentItems":[{"type":"inputText","text":"for call-1"},
                                 {"type":"inputImage","imageUrl":"data:image/png;base64,AAAA"}],
                 "success":false}"""));
    }

    @Test
    void ofResponseReturningNullBecomesAFailedResult() {
        DynamicTool nothing = DynamicTool.ofResponse("nothing", "Returns nothing",
                context.json("{\"type\":\"object\"}"), call -> null);
        JsonNode result = answer(with(nothing), call("nothing", "{}"));
        assertThat(result.get("success").asBoolean(true)).isFalse();
        assertThat(result.get("contentItems").get(0).get("text").asText()).isEqualTo("tool 'nothing' returned nothing");
    }

    @Test
    void specSerializesAsAFunctionDeclaration() throws Exception {
        DynamicToolSpec spec = lookup.spec();
        assertThat(spec).isInstanceOf(DynamicToolSpec.Function.class);
        assertThat(context.json(context.mapper().writeValueAsString(spec))).isEqualTo(context.json("""
                {"type":"function","name":"lookup_ticket","description":"Looks up a support ticket by id",
                 "inputSchema":{"type":"object","properties":{"ticketId":{"type":"string"}},
                                "required":["ticketId"],"additionalProperties":false}}"""));
        assertThat(lookup.name()).isEqualTo("lookup_ticket");
        assertThat(lookup.description()).isEqualTo("Looks up a support ticket by id");
        assertThat(lookup.inputSchema()).isEqualTo(RecordSchemas.of(TicketQuery.class));
    }

    @Test
    void dynamicToolSpecsFollowTheRegistrationOrder() {
        // enough tools that a hash-ordered map (Map.copyOf: order varies from JVM to JVM) would shuffle them
        List<String> names = List.of("zeta", "alpha", "mike", "bravo", "yankee", "charlie", "x_ray", "delta",
                "lookup_ticket", "echo", "whiskey", "foxtrot");
        var builder = ApprovalDecisions.builder();
        for (String name : names) {
            builder.dynamicTool(name.equals("lookup_ticket") ? lookup
                    : DynamicTool.ofJson(name, "d", context.json("{\"type\":\"object\"}"), args -> name));
        }
        ApprovalDecisions approvals = builder.build();
        assertThat(approvals.dynamicToolSpecs())
                .extracting(spec -> ((DynamicToolSpec.Function) spec).name())
                .containsExactlyElementsOf(names);
        // routing by name still works
        assertThat(answer(approvals, call("mike", "{}")).get("contentItems").get(0).get("text").asText())
                .isEqualTo("mike");
    }

    @Test
    void changingASchemaHandedOutDoesNotChangeTheTool() {
        ((ObjectNode) lookup.inputSchema()).put("type", "array");
        ((ObjectNode) ((DynamicToolSpec.Function) lookup.spec()).inputSchema()).remove("properties");
        JsonNode callers = context.json("{\"type\":\"object\"}");
        DynamicTool clock = DynamicTool.ofJson("clock", "Tells the time", callers, args -> "noon");
        ((ObjectNode) callers).put("type", "string");

        assertThat(lookup.inputSchema()).isEqualTo(context.json("""
                {"type":"object","properties":{"ticketId":{"type":"string"}},
                 "required":["ticketId"],"additionalProperties":false}"""));
        assertThat(((DynamicToolSpec.Function) lookup.spec()).inputSchema()).isEqualTo(lookup.inputSchema());
        assertThat(clock.inputSchema()).isEqualTo(context.json("{\"type\":\"object\"}"));
    }

    @Test
    void withDynamicToolsAddsToolsAndKeepsEverythingElse() {
        DynamicTool clock = DynamicTool.ofJson("clock", "Tells the time", context.json("{\"type\":\"object\"}"),
                args -> "noon");
        DynamicTool otherLookup = DynamicTool.of("lookup_ticket", "Another lookup", TicketQuery.class, q -> "shadowed");
        ApprovalDecisions turnOwn = ApprovalDecisions.builder().dynamicTool(lookup)
                .onCommandExecution(r -> dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.ACCEPT)
                .build();

        ApprovalDecisions combined = turnOwn.withDynamicTools(List.of(clock, otherLookup));

        assertThat(answer(combined, call("clock", "{}")).get("contentItems").get(0).get("text").asText()).isEqualTo("noon");
        assertThat(answer(combined, call("lookup_ticket", "{\"ticketId\":\"T-3\"}")).get("contentItems").get(0)
                .get("text").asText()).isEqualTo("ticket T-3 is open"); // its own tool wins
        assertThat(combined.hasHandlerFor("item/commandExecution/requestApproval")).isTrue();
        assertThat(combined.dynamicToolSpecs()).containsExactly(lookup.spec(), clock.spec());
        assertThat(answer(turnOwn, call("clock", "{}")).get("success").asBoolean()).isFalse(); // unchanged
        assertThat(ApprovalDecisions.declineAll().withDynamicTools(List.of(clock)).hasHandlerFor("item/tool/call")).isTrue();
    }

    @Test
    void dynamicToolSpecsListsEveryRegisteredTool() {
        DynamicTool clock = DynamicTool.ofJson("clock", "Tells the time", context.json("{\"type\":\"object\"}"),
                args -> "noon");
        assertThat(with(lookup, clock).dynamicToolSpecs())
                .containsExactlyInAnyOrder(lookup.spec(), clock.spec());
        assertThat(ApprovalDecisions.builder().build().dynamicToolSpecs()).isEmpty();
        assertThat(ApprovalDecisions.acceptAll().dynamicToolSpecs()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "dotted.name", "slash/name", "ünïcode", "semi;colon",
        "a1234567890123456789012345678901234567890123456789012345678901234"})
    void invalidToolNamesAreRejected(String name) {
        assertThatThrownBy(() -> DynamicTool.of(name, "d", TicketQuery.class, q -> "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tool name");
    }

    @Test
    void validToolNamesAreAcceptedUpTo64Characters() {
        String longest = "a".repeat(64);
        assertThatThrownBy(() -> DynamicTool.of(longest + "a", "d", TicketQuery.class, q -> "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(DynamicTool.of(longest, "d", TicketQuery.class, q -> "x").name()).isEqualTo(longest);
        assertThat(DynamicTool.of("Lookup-Ticket_2", "d", TicketQuery.class, q -> "x").name())
                .isEqualTo("Lookup-Ticket_2");
    }

    @Test
    void missingPartsAndNonObjectSchemasAreRejected() {
        assertThatThrownBy(() -> DynamicTool.of(null, "d", TicketQuery.class, q -> "x"))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> DynamicTool.of("t", null, TicketQuery.class, q -> "x"))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> DynamicTool.of("t", "d", null, q -> "x")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> DynamicTool.of("t", "d", TicketQuery.class, null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> DynamicTool.ofJson("t", "d", context.json("[]"), args -> "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inputSchema");
        assertThatThrownBy(() -> DynamicTool.ofJson("t", "d", null, args -> "x"))
                .isInstanceOf(NullPointerException.class);
    }
}
