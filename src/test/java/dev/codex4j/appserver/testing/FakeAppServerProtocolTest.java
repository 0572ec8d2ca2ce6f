package dev.codex4j.appserver.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Drives {@link FakeAppServer} as a subprocess through its launcher script, with raw JSON lines: its handshake
 * and default answers (echo, unknown methods, threads), and the {@code fake/*} control methods that script what
 * it writes to stdout (emit, emitBytes, serverRequest, delay, noReply, notify, outOfOrder, shuffled responses,
 * failNext, bigLine, inspect).
 */
@Timeout(60)
class FakeAppServerProtocolTest extends FakeAppServerTestBase {

    @Test
    void handshakeAnswersLikeTheRealServer() throws Exception {
        Driver fake = start(Map.of("CODEX_HOME", "/work/codex-home"));

        JsonNode response = fake.call("initialize", "{\"clientInfo\":{\"name\":\"t\",\"title\":\"T\",\"version\":\"1\"}}");
        assertThat(response.get("result")).isEqualTo(json(
                "{\"userAgent\":\"fake/0.0.0\",\"codexHome\":\"/work/codex-home\",\"platformFamily\":\"unix\",\"platformOs\":\"linux\"}"));

        fake.send("{\"method\":\"initialized\"}");
        JsonNode warning = fake.awaitMessage(m -> m.path("method").asText().equals("configWarning"));
        assertThat(warning.path("params").path("summary").asText()).isNotEmpty();
        assertThat(warning.path("emittedAtMs").isIntegralNumber()).isTrue();
        assertThat(warning.has("id")).isFalse();

        JsonNode again = fake.call("initialize", "{\"clientInfo\":{\"name\":\"t\",\"title\":\"T\",\"version\":\"1\"}}");
        assertThat(again.get("error")).isEqualTo(json("{\"code\":-32600,\"message\":\"Already initialized\"}"));
    }

    @Test
    void requestsBeforeTheHandshakeAreRejectedButControlMethodsWork() throws Exception {
        Driver fake = start();

        assertThat(fake.call("echo", "{\"a\":1}").get("error"))
                .isEqualTo(json("{\"code\":-32600,\"message\":\"Not initialized\"}"));
        assertThat(fake.call("fake/error", "{\"code\":-32001,\"message\":\"Server overloaded; retry later.\"}")
                .get("error").get("code").asInt()).isEqualTo(-32001);

        // Without CODEX_HOME in the environment the fake reports a fixed home.
        assertThat(fake.handshake().path("result").path("codexHome").asText()).isEqualTo("/tmp/fake");
    }

    @Test
    void echoesParamsAndRejectsUnknownMethods() throws Exception {
        Driver fake = startInitialized();

        assertThat(fake.call("echo", "{\"a\":[1,\"é\",null]}").get("result")).isEqualTo(json("{\"a\":[1,\"é\",null]}"));

        fake.send("{\"method\":\"echo\",\"id\":\"str-id\",\"params\":{\"b\":2}}");
        assertThat(fake.awaitMessage(m -> m.path("id").asText().equals("str-id")))
                .isEqualTo(json("{\"id\":\"str-id\",\"result\":{\"b\":2}}"));

        assertThat(fake.call("some/unknown", "{}").get("error"))
                .isEqualTo(json("{\"code\":-32601,\"message\":\"method not found: some/unknown\"}"));
        assertThat(fake.call("fake/nope", "{}").get("error").get("code").asInt()).isEqualTo(-32601);
        assertThat(fake.call("fake/delay", "{}").get("error").get("code").asInt()).isEqualTo(-32602);
    }

    @Test
    void emitWritesLinesVerbatimBeforeItsAnswer() throws Exception {
        Driver fake = startInitialized();
        long id = fake.request("fake/emit", Map.of("lines", List.of(
                "not json", "", "[1,2]", "{\"id\":999,\"result\":{}}",
                "{\"id\":{{id}},\"result\":{\"early\":true}}", "  {\"method\":\"x\"}  ", "héllo ✓")));

        assertThat(fake.stdout.next()).isEqualTo("not json");
        assertThat(fake.stdout.next()).isEqualTo("");
        assertThat(fake.stdout.next()).isEqualTo("[1,2]");
        assertThat(fake.stdout.next()).isEqualTo("{\"id\":999,\"result\":{}}");
        assertThat(fake.stdout.next()).isEqualTo("{\"id\":" + id + ",\"result\":{\"early\":true}}");
        assertThat(fake.stdout.next()).isEqualTo("  {\"method\":\"x\"}  ");
        assertThat(fake.stdout.next()).isEqualTo("héllo ✓");
        assertThat(fake.stdout.next()).isEqualTo("{\"id\":" + id + ",\"result\":{}}");

        fake.request("fake/emit", Map.of("lines", List.of("{\"method\":\"a/b\"}"), "then", "none"));
        long echo = fake.request("echo", "{}");
        assertThat(fake.stdout.next()).isEqualTo("{\"method\":\"a/b\"}");
        assertThat(fake.stdout.next()).isEqualTo("{\"id\":" + echo + ",\"result\":{}}");
    }

    @Test
    void emitBytesWritesRawBytesIncludingACharacterSplitAcrossWrites() throws Exception {
        Driver fake = startInitialized();
        byte[] line = "{\"method\":\"x/y\",\"params\":{\"text\":\"€\"}}\n".getBytes(UTF_8);
        int euro = new String(line, UTF_8).indexOf('€');
        // Cut inside the three bytes of the euro sign.
        String first = Base64.getEncoder().encodeToString(Arrays.copyOfRange(line, 0, euro + 1));
        String second = Base64.getEncoder().encodeToString(Arrays.copyOfRange(line, euro + 1, line.length));

        long id = fake.request("fake/emitBytes", Map.of("chunks", List.of(first, second), "pauseMs", 200));
        assertThat(fake.stdout.next()).isEqualTo("{\"method\":\"x/y\",\"params\":{\"text\":\"€\"}}");
        assertThat(fake.stdout.next()).isEqualTo("{\"id\":" + id + ",\"result\":{}}");

        String whole = Base64.getEncoder().encodeToString("[\"raw\"]\n".getBytes(UTF_8));
        fake.request("fake/emitBytes", Map.of("base64", whole, "then", "none"));
        assertThat(fake.stdout.next()).isEqualTo("[\"raw\"]");
    }

    @Test
    void serverRequestReturnsTheClientsReplyWhileOtherRequestsAreServed() throws Exception {
        Driver fake = startInitialized();
        long control = fake.request("fake/serverRequest",
                "{\"method\":\"item/commandExecution/requestApproval\",\"params\":{\"threadId\":\"t1\"}}");

        JsonNode serverRequest = fake.awaitMessage(m -> m.path("method").asText().equals("item/commandExecution/requestApproval"));
        assertThat(serverRequest).isEqualTo(json(
                "{\"method\":\"item/commandExecution/requestApproval\",\"id\":0,\"params\":{\"threadId\":\"t1\"}}"));

        // The fake keeps reading while it waits for the reply.
        assertThat(fake.call("echo", "{\"during\":true}").get("result")).isEqualTo(json("{\"during\":true}"));

        fake.send("{\"id\":0,\"result\":{\"decision\":\"accept\"}}");
        assertThat(fake.response(control).get("result"))
                .isEqualTo(json("{\"reply\":{\"id\":0,\"result\":{\"decision\":\"accept\"}}}"));

        long second = fake.request("fake/serverRequest", "{\"method\":\"item/tool/call\",\"id\":\"s-1\"}");
        assertThat(fake.awaitMessage(m -> m.path("method").asText().equals("item/tool/call")))
                .isEqualTo(json("{\"method\":\"item/tool/call\",\"id\":\"s-1\"}"));
        fake.send("{\"id\":\"s-1\",\"error\":{\"code\":-1,\"message\":\"no\"}}");
        assertThat(fake.response(second).get("result").get("reply").get("error").get("message").asText()).isEqualTo("no");

        long third = fake.request("fake/serverRequest", "{\"method\":\"m\"}");
        assertThat(fake.awaitMessage(m -> m.path("method").asText().equals("m")).get("id").asInt()).isEqualTo(1);
        fake.send("{\"id\":1,\"result\":null}");
        assertThat(fake.response(third).get("result").get("reply")).isEqualTo(json("{\"id\":1,\"result\":null}"));
    }

    @Test
    void delayDoesNotBlockOtherRequests() throws Exception {
        Driver fake = startInitialized();
        long delayed = fake.request("fake/delay", "{\"ms\":1000,\"result\":{\"late\":true}}");
        long failing = fake.request("fake/delay", "{\"ms\":1000,\"error\":{\"code\":-32001,\"message\":\"busy\"}}");
        long echo = fake.request("echo", "{\"quick\":true}");

        assertThat(fake.nextMessage().get("id").asLong()).isEqualTo(echo);
        assertThat(fake.response(delayed).get("result")).isEqualTo(json("{\"late\":true}"));
        assertThat(fake.response(failing).get("error")).isEqualTo(json("{\"code\":-32001,\"message\":\"busy\"}"));
    }

    @Test
    void noReplyIsNeverAnswered() throws Exception {
        Driver fake = startInitialized();
        long silent = fake.request("fake/noReply", "{}");
        long echo = fake.request("echo", "{}");

        // Requests are handled in order, so an answer to the first would have come before this one.
        assertThat(fake.nextMessage().get("id").asLong()).isEqualTo(echo);
        fake.process.destroy();
        fake.stdout.awaitEof();
        assertThat(fake.stdout.backlog()).noneMatch(line -> json(line).path("id").asLong() == silent);
    }

    @Test
    void notifyEmitsNumberedNotificationsInOrder() throws Exception {
        Driver fake = startInitialized();
        long id = fake.request("fake/notify",
                "{\"count\":200,\"method\":\"item/agentMessage/delta\",\"params\":{\"delta\":\"d\"},\"indexField\":\"seq\"}");

        for (int i = 0; i < 200; i++) {
            JsonNode notification = fake.nextMessage();
            assertThat(notification.get("method").asText()).isEqualTo("item/agentMessage/delta");
            assertThat(notification.get("params")).isEqualTo(json("{\"delta\":\"d\",\"seq\":" + i + "}"));
            assertThat(notification.has("emittedAtMs")).isTrue();
        }
        assertThat(fake.nextMessage()).isEqualTo(json("{\"id\":" + id + ",\"result\":{\"count\":200}}"));
    }

    @Test
    void outOfOrderAnswersHeldRequestsInReverse() throws Exception {
        Driver fake = startInitialized();
        fake.call("fake/outOfOrder", "{\"count\":3}");
        long a = fake.request("echo", "{\"n\":1}");
        long b = fake.request("echo", "{\"n\":2}");
        long c = fake.request("no/such", "{}");

        assertThat(fake.nextMessage().get("id").asLong()).isEqualTo(c);
        assertThat(fake.nextMessage()).isEqualTo(json("{\"id\":" + b + ",\"result\":{\"n\":2}}"));
        assertThat(fake.nextMessage()).isEqualTo(json("{\"id\":" + a + ",\"result\":{\"n\":1}}"));
    }

    @Test
    void shuffledResponsesAllArriveWithTheirOwnResults() throws Exception {
        Driver fake = startInitialized("--shuffle-responses=30");
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            ids.add(fake.request("echo", "{\"n\":" + i + "}"));
        }
        for (int i = 0; i < 30; i++) {
            assertThat(fake.response(ids.get(i)).get("result")).isEqualTo(json("{\"n\":" + i + "}"));
        }
    }

    @Test
    void threadStartAnnouncesAThreadAndResumeEchoesItsId() throws Exception {
        Driver fake = startInitialized();
        long id = fake.request("thread/start", "{}");
        JsonNode started = fake.nextMessage();
        assertThat(started.get("method").asText()).isEqualTo("thread/started");
        assertThat(started.at("/params/thread/id").asText()).isEqualTo("fake-thread-1");
        assertThat(fake.response(id).get("result")).isEqualTo(json("{\"thread\":{\"id\":\"fake-thread-1\"}}"));

        assertThat(fake.call("thread/resume", "{\"threadId\":\"t-9\"}").get("result"))
                .isEqualTo(json("{\"thread\":{\"id\":\"t-9\"}}"));
        assertThat(fake.call("thread/resume", "{\"threadId\":\"unknown-1\"}").at("/error/code").asInt())
                .isEqualTo(-32600);
        assertThat(fake.call("fake/inspect", "{}").at("/result/requestMethods"))
                .isEqualTo(json("[\"initialize\",\"thread/start\",\"thread/resume\",\"thread/resume\"]"));
    }

    @Test
    void failNextFailsOnlyTheNextCallsOfThatMethod() throws Exception {
        Driver fake = startInitialized();
        fake.call("fake/failNext", "{\"method\":\"echo\",\"count\":2}");

        assertThat(fake.call("echo", "{\"n\":1}").get("error"))
                .isEqualTo(json("{\"code\":-32001,\"message\":\"Server overloaded; retry later.\"}"));
        assertThat(fake.call("some/other", "{}").at("/error/code").asInt()).isEqualTo(-32601);
        assertThat(fake.call("echo", "{\"n\":2}").at("/error/code").asInt()).isEqualTo(-32001);
        assertThat(fake.call("echo", "{\"n\":3}").get("result")).isEqualTo(json("{\"n\":3}"));
    }

    @Test
    void bigLineWritesOneLineOfGeneratedText() throws Exception {
        Driver fake = startInitialized();
        long id = fake.request("fake/bigLine", "{\"bytes\":100000,\"method\":\"huge\"}");
        String line = fake.stdout.next();
        JsonNode notification = json(line);
        assertThat(notification.get("method").asText()).isEqualTo("huge");
        String text = notification.at("/params/text").asText();
        assertThat(text).hasSize(100_000).startsWith("abcdefghijklmnopqrstuvwxyzabc");
        assertThat(text.charAt(99_999)).isEqualTo((char) ('a' + 99_999 % 26));
        assertThat(fake.response(id).at("/result/lineBytes").asLong()).isEqualTo(line.length());
    }

    @Test
    void inspectReportsWhatTheClientSent() throws Exception {
        Driver fake = startInitialized();
        fake.send("{\"method\":\"custom/notification\",\"params\":{\"k\":1}}");
        fake.send("{\"id\":42,\"result\":{}}");
        fake.stderr.await(line -> line.startsWith("fake: reply to unknown server request"));

        JsonNode seen = fake.call("fake/inspect", "{}").get("result");
        assertThat(seen.get("initializeParams").get("clientInfo").get("name").asText()).isEqualTo("fake-test");
        assertThat(seen.get("initializedNotification").asBoolean()).isTrue();
        assertThat(seen.get("notifications")).isEqualTo(json(
                "[{\"method\":\"initialized\"},{\"method\":\"custom/notification\",\"params\":{\"k\":1}}]"));
        assertThat(seen.get("replies")).isEqualTo(json("[{\"id\":42,\"result\":{}}]"));
    }
}
