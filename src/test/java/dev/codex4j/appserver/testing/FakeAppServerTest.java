package dev.codex4j.appserver.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Drives {@link FakeAppServer} as a subprocess through its launcher script, with raw JSON lines. */
@Timeout(60)
class FakeAppServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration AWAIT = Duration.ofSeconds(20);
    /** Only for asserting that something does NOT happen; everything that happens is awaited. */
    private static final long QUIET_MS = 500;

    @TempDir
    static Path tempDir;
    private static Path script;

    private final List<Driver> drivers = new ArrayList<>();
    private final List<ProcessHandle> strays = new ArrayList<>();

    @BeforeAll
    static void writeScript() throws IOException {
        // A space in the path checks the script is quoted properly.
        script = FakeAppServerLauncher.createScript(tempDir.resolve("dir with space"));
    }

    @AfterEach
    void stopProcesses() {
        drivers.forEach(Driver::close);
        strays.forEach(ProcessHandle::destroyForcibly);
    }

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
    void exitEndsWithTheCodeAndStderrLinesWithoutAnswering() throws Exception {
        Driver fake = startInitialized();
        fake.request("fake/exit", "{\"code\":3,\"stderr\":[\"boom one\",\"boom two\"]}");

        assertThat(fake.awaitExit()).isEqualTo(3);
        fake.stderr.await("boom one"::equals);
        fake.stderr.await("boom two"::equals);
        fake.stdout.awaitEof();
        assertThat(fake.stdout.backlog()).isEmpty();
    }

    @Test
    void closeStdoutLeavesTheProcessAliveWithStdoutAtEof() throws Exception {
        Driver fake = startInitialized();
        fake.request("fake/closeStdout", "{\"stderr\":[\"closing stdout\"]}");

        fake.stdout.awaitEof();
        fake.stderr.await("closing stdout"::equals);
        fake.closeStdin();
        assertThat(fake.process.waitFor(QUIET_MS, TimeUnit.MILLISECONDS)).isFalse();

        fake.process.destroy();
        assertThat(fake.awaitExit()).isEqualTo(143);
    }

    @Test
    void stderrFloodIsAnsweredOnceEveryByteIsWritten() throws Exception {
        Driver fake = startInitialized();
        String filler = "x".repeat(99);

        JsonNode response = fake.call("fake/stderr", Map.of("bytes", 1_000_000, "line", filler));
        assertThat(response.get("result").get("bytes").asLong()).isEqualTo(1_000_000);
        for (int i = 0; i < 10_000; i++) {
            fake.stderr.await(filler::equals);
        }
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
    void closeStdinMakesTheNextWriteFailWhileTheProcessLives() throws Exception {
        Driver fake = startInitialized();
        fake.call("fake/closeStdin", "{}");

        assertThatThrownBy(() -> {
            for (int i = 0; i < 100; i++) { // the first write after the close may still land in the pipe buffer
                fake.send("{\"method\":\"echo\",\"id\":" + (1000 + i) + ",\"params\":{}}");
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("Broken pipe");
        assertThat(fake.process.isAlive()).isTrue();
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

    @Test
    void ignoreSigtermSurvivesSigtermButNotSigkill() throws Exception {
        // Stdin EOF would end it too (destroy() closes the pipes), hence --ignore-stdin-eof.
        Driver fake = startInitialized("--ignore-sigterm", "--ignore-stdin-eof");

        // ProcessHandle.destroy() sends SIGTERM but, unlike Process.destroy(), keeps the pipes open.
        assertThat(fake.process.toHandle().destroy()).isTrue();
        fake.stderr.await("fake: ignoring SIGTERM"::equals);
        assertThat(fake.call("echo", "{\"alive\":true}").get("result")).isEqualTo(json("{\"alive\":true}"));

        fake.process.destroy();
        assertThat(fake.process.waitFor(QUIET_MS, TimeUnit.MILLISECONDS)).isFalse();

        fake.process.destroyForcibly();
        assertThat(fake.awaitExit()).isEqualTo(137);
    }

    @Test
    void spawnedGrandchildOutlivesTheFake() throws Exception {
        Driver fake = start("--spawn-grandchild");
        ProcessHandle grandchild = awaitGrandchild(fake);
        assertThat(grandchild.parent().map(ProcessHandle::pid)).contains(fake.process.pid());

        fake.process.destroyForcibly();
        fake.awaitExit();
        assertThat(grandchild.isAlive()).isTrue();

        // Its stdio was detached, so stdout ended with the fake.
        fake.stdout.awaitEof();
    }

    @Test
    void grandchildInheritingStdioKeepsStdoutOpenUntilItDies() throws Exception {
        Driver fake = start("--spawn-grandchild", "--grandchild-inherits-stdio");
        ProcessHandle grandchild = awaitGrandchild(fake);

        fake.process.destroyForcibly();
        fake.awaitExit();
        assertThat(fake.stdout.eofWithin(QUIET_MS)).isFalse();

        grandchild.destroyForcibly();
        fake.stdout.awaitEof();
    }

    @Test
    void stdinEofExitsZero() throws Exception {
        Driver fake = startInitialized();
        fake.closeStdin();
        assertThat(fake.awaitExit()).isZero();
    }

    @Test
    void ignoreStdinEofKeepsRunning() throws Exception {
        Driver fake = startInitialized("--ignore-stdin-eof");
        fake.closeStdin();
        assertThat(fake.process.waitFor(QUIET_MS, TimeUnit.MILLISECONDS)).isFalse();
    }

    @Test
    void exitAtStartFailsWithTheGivenCode() throws Exception {
        Driver fake = start("--stderr-on-start", "starting up", "--exit-at-start", "7");
        assertThat(fake.awaitExit()).isEqualTo(7);
        fake.stderr.await("starting up"::equals);
        fake.stderr.await("fatal: simulated startup failure"::equals);
    }

    @Test
    void noHandshakeReplyLeavesInitializeUnanswered() throws Exception {
        Driver fake = start("--no-handshake-reply");
        fake.request("initialize", "{\"clientInfo\":{\"name\":\"t\",\"title\":\"T\",\"version\":\"1\"}}");
        long echo = fake.request("echo", "{}");

        JsonNode first = fake.nextMessage();
        assertThat(first.get("id").asLong()).isEqualTo(echo);
        assertThat(first.get("error").get("message").asText()).isEqualTo("Not initialized");
    }

    @Test
    void stderrOnStartAndUnknownArgumentsAreLogged() throws Exception {
        Driver fake = start("--stderr-on-start=hello from start", "-c", "model=x");
        fake.stderr.await("hello from start"::equals);
        fake.stderr.await("fake: ignoring argument -c"::equals);
        fake.stderr.await("fake: ignoring argument model=x"::equals);
        assertThat(fake.handshake().has("result")).isTrue();
    }

    @Test
    void relayHandsEveryStdinLineToTheTestAndCarriesOutItsCommands() throws Exception {
        try (FakeAppServerRelay relay = FakeAppServerRelay.listen(Files.createDirectories(tempDir.resolve("relay")))) {
            Driver fake = start(relay.fakeArgs());
            String initialize = "{\"method\":\"initialize\",\"id\":1,\"params\":{}}";
            String control = "{\"method\":\"fake/notify\",\"id\":2,\"params\":{\"count\":1,\"method\":\"x\"}}";
            fake.send(initialize);
            fake.send(control);
            assertThat(relay.nextLine()).isEqualTo(initialize);
            assertThat(relay.nextLine()).isEqualTo(control);

            relay.send("not json, written verbatim");
            // the fake answered neither request itself: the test's line is the first on its stdout
            assertThat(fake.stdout.next()).isEqualTo("not json, written verbatim");

            relay.exit(4, List.of("bye"));
            assertThat(fake.awaitExit()).isEqualTo(4);
            fake.stderr.await("bye"::equals);
        }
    }

    @Test
    void launcherBakesInQuotedArguments() throws Exception {
        Path baked = FakeAppServerLauncher.createScript(tempDir.resolve("baked"), "--stderr-on-start", "it's \"baked\" $HOME");
        assertThat(Files.readString(baked)).startsWith("#!/bin/sh\nexec '");
        assertThat(Files.isExecutable(baked)).isTrue();

        Driver fake = track(Driver.start(baked, Map.of()));
        fake.stderr.await("it's \"baked\" $HOME"::equals);
    }

    private Driver start(String... flags) throws IOException {
        return start(Map.of(), flags);
    }

    private Driver start(Map<String, String> env, String... flags) throws IOException {
        return track(Driver.start(script, env, flags));
    }

    private Driver startInitialized(String... flags) throws IOException {
        Driver fake = start(flags);
        assertThat(fake.handshake().has("result")).isTrue();
        fake.send("{\"method\":\"initialized\"}");
        // Consumed here so tests see only what they asked for.
        fake.awaitMessage(m -> m.path("method").asText().equals("configWarning"));
        return fake;
    }

    private Driver track(Driver driver) {
        drivers.add(driver);
        return driver;
    }

    /** The grandchild the fake reports on stderr, registered to be killed after the test. */
    private ProcessHandle awaitGrandchild(Driver fake) {
        String line = fake.stderr.await(l -> l.startsWith("grandchild-pid="));
        ProcessHandle grandchild = ProcessHandle.of(Long.parseLong(line.substring("grandchild-pid=".length()))).orElseThrow();
        strays.add(grandchild);
        assertThat(grandchild.isAlive()).isTrue();
        return grandchild;
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A raw line-based client: writes JSON lines to the fake, reads its stdout and stderr on threads. */
    private static final class Driver implements AutoCloseable {
        final Process process;
        final Lines stdout;
        final Lines stderr;
        private final OutputStream stdin;
        private long nextId = 1;

        private Driver(Process process) {
            this.process = process;
            this.stdin = process.getOutputStream();
            this.stdout = Lines.drain(process.getInputStream(), "fake-stdout");
            this.stderr = Lines.drain(process.getErrorStream(), "fake-stderr");
        }

        static Driver start(Path script, Map<String, String> env, String... flags) throws IOException {
            List<String> command = new ArrayList<>(List.of(script.toString(), "app-server"));
            command.addAll(List.of(flags));
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().remove("CODEX_HOME");
            builder.environment().putAll(env);
            return new Driver(builder.start());
        }

        JsonNode handshake() throws IOException {
            return call("initialize", "{\"clientInfo\":{\"name\":\"fake-test\",\"title\":\"Fake test\",\"version\":\"0\"}}");
        }

        void send(String line) throws IOException {
            stdin.write((line + "\n").getBytes(UTF_8));
            stdin.flush();
        }

        long request(String method, String paramsJson) throws IOException {
            long id = nextId++;
            send("{\"method\":\"" + method + "\",\"id\":" + id + ",\"params\":" + paramsJson + "}");
            return id;
        }

        long request(String method, Map<String, ?> params) throws IOException {
            return request(method, JSON.writeValueAsString(params));
        }

        JsonNode call(String method, String paramsJson) throws IOException {
            return response(request(method, paramsJson));
        }

        JsonNode call(String method, Map<String, ?> params) throws IOException {
            return response(request(method, params));
        }

        JsonNode response(long id) {
            return awaitMessage(m -> !m.has("method") && m.path("id").isNumber() && m.get("id").asLong() == id);
        }

        JsonNode nextMessage() {
            return json(stdout.next());
        }

        JsonNode awaitMessage(Predicate<JsonNode> wanted) {
            return json(stdout.await(line -> {
                try {
                    return wanted.test(JSON.readTree(line));
                } catch (IOException notJson) {
                    return false;
                }
            }));
        }

        void closeStdin() throws IOException {
            stdin.close();
        }

        int awaitExit() throws Exception {
            return process.onExit().get(AWAIT.toMillis(), TimeUnit.MILLISECONDS).exitValue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor(AWAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Lines read from one stream on a thread; lines skipped by {@link #await} stay available. */
    private static final class Lines {
        private final BlockingQueue<Optional<String>> queue = new LinkedBlockingQueue<>();
        private final List<String> backlog = new ArrayList<>();
        private boolean eof;

        static Lines drain(InputStream in, String name) {
            Lines lines = new Lines();
            Thread reader = new Thread(() -> lines.read(in), name);
            reader.setDaemon(true);
            reader.start();
            return lines;
        }

        private void read(InputStream in) {
            // Whole lines are decoded at once, so a character split across writes decodes correctly.
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            try (in) {
                int b;
                while ((b = in.read()) != -1) {
                    if (b == '\n') {
                        queue.add(Optional.of(line.toString(UTF_8)));
                        line.reset();
                    } else {
                        line.write(b);
                    }
                }
            } catch (IOException closedByDestroy) {
                // Process.destroy() closes our end; that is an end of stream like any other.
            }
            if (line.size() > 0) {
                queue.add(Optional.of(line.toString(UTF_8)));
            }
            queue.add(Optional.empty());
        }

        /** The next line not yet consumed. */
        String next() {
            return await(line -> true);
        }

        /** The first unconsumed line matching {@code wanted}; earlier non-matching lines stay in the backlog. */
        String await(Predicate<String> wanted) {
            for (Iterator<String> it = backlog.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (wanted.test(line)) {
                    it.remove();
                    return line;
                }
            }
            long deadline = System.nanoTime() + AWAIT.toNanos();
            while (true) {
                Optional<String> line = poll(deadline);
                if (line.isEmpty()) {
                    return fail("stream ended while awaiting a line; unconsumed: " + backlog);
                }
                if (wanted.test(line.get())) {
                    return line.get();
                }
                backlog.add(line.get());
            }
        }

        /** Reads to the end of the stream, keeping the lines in the backlog. */
        void awaitEof() {
            long deadline = System.nanoTime() + AWAIT.toNanos();
            while (!eof) {
                poll(deadline).ifPresent(backlog::add);
            }
        }

        /** Whether the stream ends within {@code ms}; for asserting that it does not. */
        boolean eofWithin(long ms) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
            while (!eof) {
                Optional<String> line = queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (line == null) {
                    return false;
                }
                if (line.isPresent()) {
                    backlog.add(line.get());
                } else {
                    eof = true;
                }
            }
            return true;
        }

        List<String> backlog() {
            return backlog;
        }

        private Optional<String> poll(long deadlineNanos) {
            if (eof) {
                return Optional.empty();
            }
            try {
                Optional<String> line = queue.poll(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (line == null) {
                    return fail("no line within " + AWAIT + "; unconsumed: " + backlog);
                }
                eof = line.isEmpty();
                return line;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return fail("interrupted");
            }
        }
    }
}
