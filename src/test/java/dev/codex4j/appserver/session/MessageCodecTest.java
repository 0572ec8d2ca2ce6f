package dev.codex4j.appserver.session;

import dev.codex4j.appserver.rpc.IncomingMessage;
import dev.codex4j.appserver.rpc.JsonRpcError;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.rpc.RequestId;
import dev.codex4j.appserver.rpc.Response;
import dev.codex4j.appserver.rpc.IncomingRequest;
import dev.codex4j.appserver.rpc.ServerRequestReply;

import java.util.List;
import com.fasterxml.jackson.databind.ObjectReader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Golden wire tests: the exact bytes the client writes, and how each incoming shape is classified. */
@Timeout(10)
class MessageCodecTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final MessageCodec codec = new MessageCodec(mapper);

    record StartParams(String model, String cwd) {}

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private IncomingMessage decode(String line) throws MalformedMessageException {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        return codec.decode(bytes, 0, bytes.length);
    }

    @Test
    void writesARequestWithoutAJsonrpcMember() {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("model", "gpt");
        params.put("n", 2);
        assertThat(text(codec.encodeRequest(7, "thread/start", params)))
                .isEqualTo("{\"id\":7,\"method\":\"thread/start\",\"params\":{\"model\":\"gpt\",\"n\":2}}");
    }

    @Test
    void writesRecordParamsAndOmitsNullParams() {
        assertThat(text(codec.encodeRequest(1, "thread/start", new StartParams("m", "/w"))))
                .isEqualTo("{\"id\":1,\"method\":\"thread/start\",\"params\":{\"model\":\"m\",\"cwd\":\"/w\"}}");
        assertThat(text(codec.encodeRequest(2, "account/read", null))).isEqualTo("{\"id\":2,\"method\":\"account/read\"}");
        assertThat(text(codec.encodeNotification("initialized", null))).isEqualTo("{\"method\":\"initialized\"}");
    }

    @Test
    void echoesTheServersIdTypeInReplies() {
        assertThat(text(codec.encodeReply(RequestId.of(0), ServerRequestReply.result(Map.of("decision", "accept")))))
                .isEqualTo("{\"id\":0,\"result\":{\"decision\":\"accept\"}}");
        assertThat(text(codec.encodeReply(RequestId.of("req-1"), ServerRequestReply.result(NullNode.getInstance()))))
                .isEqualTo("{\"id\":\"req-1\",\"result\":null}");
    }

    @Test
    void writesErrorReplies() {
        assertThat(text(codec.encodeReply(RequestId.of(3), ServerRequestReply.error(JsonRpcError.methodNotFound("x/y")))))
                .isEqualTo("{\"id\":3,\"error\":{\"code\":-32601,\"message\":\"method not found: x/y\"}}");
    }

    @Test
    void keepsNonAsciiAndLineSeparatorsInsideOneLine() {
        String line = text(codec.encodeRequest(1, "echo", Map.of("t", "a\nb\u2028c€")));
        assertThat(line).doesNotContain("\n").contains("\\n").contains("\u2028c€");
    }

    @Test
    void rejectsParamsJacksonCannotWrite() {
        Object unserializable = new Object() {
            public Object getSelf() {
                return this;
            }
        };
        assertThatThrownBy(() -> codec.encodeRequest(1, "x", unserializable))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot encode");
    }

    @Test
    void classifiesResponses() throws Exception {
        Response ok = (Response) decode("{\"id\":5,\"result\":{\"a\":1}}");
        assertThat(ok.id()).isEqualTo(RequestId.of(5));
        assertThat(ok.result().get("a").asInt()).isEqualTo(1);
        assertThat(ok.isError()).isFalse();

        Response err = (Response) decode("{\"jsonrpc\":\"2.0\",\"id\":\"s\",\"error\":{\"code\":-32001,\"message\":\"busy\"}}");
        assertThat(err.id()).isEqualTo(RequestId.of("s"));
        assertThat(err.error()).isEqualTo(new JsonRpcError(-32001, "busy", null));

        Response noResult = (Response) decode("{\"id\":6}");
        assertThat(noResult.result().isNull()).isTrue();

        Response oddError = (Response) decode("{\"id\":8,\"error\":\"boom\"}");
        assertThat(oddError.error().code()).isEqualTo(JsonRpcError.INTERNAL_ERROR);
        assertThat(oddError.error().message()).contains("boom");
    }

    @Test
    void classifiesNotificationsAndServerRequests() throws Exception {
        Notification n = (Notification) decode(
                "{\"method\":\"turn/started\",\"params\":{\"threadId\":\"t\"},\"emittedAtMs\":1795320349485}");
        assertThat(n.method()).isEqualTo("turn/started");
        assertThat(n.params().get("threadId").asText()).isEqualTo("t");
        assertThat(n.emittedAtMs()).isEqualTo(1795320349485L);

        Notification bare = (Notification) decode("{\"method\":\"x\"}");
        assertThat(bare.params().isNull()).isTrue();
        assertThat(bare.emittedAtMs()).isNull();

        IncomingRequest r = (IncomingRequest) decode(
                "{\"method\":\"item/commandExecution/requestApproval\",\"id\":0,\"params\":{\"itemId\":\"i\"}}");
        assertThat(r.id()).isEqualTo(RequestId.of(0));
        assertThat(r.method()).isEqualTo("item/commandExecution/requestApproval");
    }

    @Test
    void rejectsLinesThatAreNoMessage() {
        for (String line : new String[] {"not json", "[1,2]", "42", "\"text\"", "{}", "{\"method\":5}",
                "{\"id\":1.5,\"result\":1}", "{\"id\":{},\"result\":1}", "{\"id\":1,"}) {
            assertThatThrownBy(() -> decode(line)).as(line).isInstanceOf(MalformedMessageException.class);
        }
    }

    @Test
    void readsUtf8OnlyWithoutChangingTheCallersMapper() throws Exception {
        String line = "{\"method\":\"m\",\"params\":{\"t\":\"\u00e9\"}}";
        for (byte[] other : new byte[][] {line.getBytes(StandardCharsets.UTF_16LE), line.getBytes(StandardCharsets.UTF_16BE),
                ("\uFEFF" + line).getBytes(StandardCharsets.UTF_8)}) {
            assertThatThrownBy(() -> codec.decode(other, 0, other.length)).isInstanceOf(MalformedMessageException.class);
        }
        assertThat(((Notification) decode(line)).params().get("t").asText()).isEqualTo("\u00e9");
        assertThat(mapper.getFactory().isEnabled(com.fasterxml.jackson.core.JsonFactory.Feature.CHARSET_DETECTION)).isTrue();
        assertThat(mapper.getFactory()._getRecyclerPool())
                .isSameAs(new ObjectMapper().getFactory()._getRecyclerPool()); // Jackson's shared default
    }

    @Test
    void readsALineInTheMiddleOfALargerBufferAndKeepsTheParamsExact() throws Exception {
        String line = "{\"method\":\"item/agentMessage/delta\",\"params\":{\"delta\":\"hé \\\"q\\\"  \",\"n\":[1,{\"a\":null}]},\"emittedAtMs\":7}";
        byte[] lineBytes = line.getBytes(StandardCharsets.UTF_8);
        byte[] buffer = new byte[lineBytes.length + 20];
        java.util.Arrays.fill(buffer, (byte) '#');
        System.arraycopy(lineBytes, 0, buffer, 11, lineBytes.length);

        Notification n = (Notification) codec.decode(buffer, 11, lineBytes.length);

        assertThat(n.method()).isEqualTo("item/agentMessage/delta");
        assertThat(n.emittedAtMs()).isEqualTo(7L);
        assertThat(n.params()).isEqualTo(new ObjectMapper().readTree(line).get("params"));
        assertThat(n.params()).isSameAs(n.params()); // built once
    }

    record Delta(String delta, List<Object> n) {}

    @Test
    void decodesParamsIntoATypeOnceAndSharesIt() throws Exception {
        Notification n = (Notification) decode("{\"method\":\"d\",\"params\":{\"delta\":\"x\",\"n\":[]}}");
        ObjectReader reader = new ObjectMapper().readerFor(Delta.class);

        Delta first = n.params(reader);
        Delta again = n.params(new ObjectMapper().readerFor(Delta.class));

        assertThat(first).isEqualTo(new Delta("x", List.of()));
        assertThat(again).isSameAs(first);
    }

    @Test
    void brokenContentInsideLazilyKeptParamsIsStillRejectedWhenTheLineIsRead() {
        byte[] badUtf8 = "{\"method\":\"m\",\"params\":{\"a\":\"?\"}}".getBytes(StandardCharsets.UTF_8);
        badUtf8[badUtf8.length - 4] = (byte) 0xFF; // never valid in UTF-8
        byte[] badEscape = "{\"method\":\"m\",\"params\":{\"a\":\"\\u12\"}}".getBytes(StandardCharsets.UTF_8);
        for (byte[] line : List.of(badUtf8, badEscape)) {
            assertThatThrownBy(() -> codec.decode(line, 0, line.length)).isInstanceOf(MalformedMessageException.class)
                    .hasMessageStartingWith("not valid JSON");
        }
    }

    @Test
    void rejectsTrailingContentAndScalarIds() {
        for (String line : new String[] {"{\"method\":\"a\"} {\"method\":\"b\"}", "{\"method\":\"a\"}x",
                "{\"id\":true,\"result\":1}", "{\"method\":\"a\",\"params\":{\"x\":}"}) {
            assertThatThrownBy(() -> decode(line)).as(line).isInstanceOf(MalformedMessageException.class);
        }
    }

    @Test
    void keepsALongResultRawUntilAskedAndThenReadsItExactlyOnce() throws Exception {
        String line = "{\"id\":\"req-1\",\"result\":{\"thread\":{\"id\":\"t\",\"turns\":[1,2.5,\"é\"],\"text\":\""
                + "x".repeat(600) + "\"}}}";
        byte[] lineBytes = line.getBytes(StandardCharsets.UTF_8);
        byte[] buffer = new byte[lineBytes.length + 9];
        System.arraycopy(lineBytes, 0, buffer, 5, lineBytes.length);

        Response r = (Response) codec.decode(buffer, 5, lineBytes.length);

        assertThat(r.id()).isEqualTo(RequestId.of("req-1"));
        assertThat(r.isError()).isFalse();
        assertThat(r.result()).isEqualTo(new ObjectMapper().readTree(line).get("result"));
        assertThat(r.result()).isSameAs(r.result());
        assertThat(r).isEqualTo(new Response(RequestId.of("req-1"), new ObjectMapper().readTree(line).get("result"), null));
    }

    @Test
    void readsAShortResultAndScalarResultsRightAway() throws Exception {
        assertThat(((Response) decode("{\"id\":2,\"result\":{\"seq\":2}}")).result().get("seq").asInt()).isEqualTo(2);
        assertThat(((Response) decode("{\"id\":3,\"result\":\"done\"}")).result().asText()).isEqualTo("done");
        assertThat(((Response) decode("{\"id\":4,\"result\":null}")).result().isNull()).isTrue();
    }
}
