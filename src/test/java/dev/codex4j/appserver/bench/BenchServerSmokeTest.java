package dev.codex4j.appserver.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.ServerNotifications;
import dev.codex4j.appserver.protocol.types.AgentMessageDeltaNotification;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * Keeps the benchmark harness compiling and correct: the {@link BenchServer} flood and echo through both
 * {@link AppServerClient} and {@link Baseline}. Counts and ids only, never timings.
 */
@Timeout(60)
class BenchServerSmokeTest {

    private static final int FLOOD = 1_000;
    private static final int ECHOES = 10;

    private static Path script;

    @BeforeAll
    static void writeScript() throws Exception {
        script = BenchServerLauncher.createScript();
    }

    @Test
    void notificationLinesHaveTheRealShapeAndRealisticSize() throws Exception {
        var mapper = AppServerClient.defaultObjectMapper();
        for (byte[] line : BenchServer.notificationLines()) {
            assertThat(line.length).isBetween(200, 260);
            assertThat(line[line.length - 1]).isEqualTo((byte) '\n');
            JsonNode node = mapper.readTree(line);
            assertThat(node.path("method").asText()).isEqualTo("item/agentMessage/delta");
            assertThat(node.path("emittedAtMs").isIntegralNumber()).isTrue();
            AgentMessageDeltaNotification delta = mapper.treeToValue(node.get("params"), AgentMessageDeltaNotification.class);
            assertThat(delta.threadId()).isNotBlank();
            assertThat(delta.turnId()).isNotBlank();
            assertThat(delta.itemId()).isNotBlank();
            assertThat(delta.delta()).isNotEmpty();
        }
    }

    @Test
    void clientReceivesTheFloodAndEchoes() throws Exception {
        try (AppServerClient client = AppServerClient.builder().executable(script).build()) {
            floodAndEchoes(client);
        }
    }

    @Test
    void baselineReceivesTheFloodAndEchoes() throws Exception {
        try (Baseline baseline = Baseline.start(script)) {
            floodAndEchoes(baseline);
        }
    }

    /** Starts {@code client} and checks a flood's typed and raw notifications, and echoes, against a bench server. */
    static void floodAndEchoes(AppServerClient client) throws Exception {
        assertThat(client.start().block(Duration.ofSeconds(30)).userAgent()).isEqualTo("bench/0");

        CountDownLatch typedDone = new CountDownLatch(FLOOD);
        CountDownLatch rawDone = new CountDownLatch(FLOOD);
        List<AgentMessageDeltaNotification> typed = new CopyOnWriteArrayList<>();
        Disposable typedSubscription = client.notifications(ServerNotifications.ITEM_AGENT_MESSAGE_DELTA)
                .subscribe(delta -> {
                    typed.add(delta);
                    typedDone.countDown();
                });
        Disposable rawSubscription = client.notifications().subscribe(n -> rawDone.countDown());
        JsonNode sent = client.request("bench/flood", Map.of("count", FLOOD)).block(Duration.ofSeconds(30));
        assertThat(sent.path("sent").asInt()).isEqualTo(FLOOD);
        assertThat(typedDone.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(rawDone.await(30, TimeUnit.SECONDS)).isTrue();
        typedSubscription.dispose();
        rawSubscription.dispose();
        assertThat(typed).hasSize(FLOOD).allSatisfy(d -> assertThat(d.delta()).isNotEmpty());

        List<CompletableFuture<JsonNode>> echoes = IntStream.range(0, ECHOES)
                .mapToObj(i -> client.request("bench/echo", Map.of("seq", i)).toFuture()).toList();
        for (int i = 0; i < ECHOES; i++) {
            assertThat(echoes.get(i).get(30, TimeUnit.SECONDS).path("seq").asInt()).isEqualTo(i);
        }
        assertThat(echoes.stream().map(e -> e.join().path("id").asLong()).distinct()).hasSize(ECHOES);
    }

    /** The same for a hand-written baseline, which has run its handshake (request 1) already. */
    static void floodAndEchoes(HandWrittenClient baseline) throws Exception {
        CountDownLatch done = new CountDownLatch(FLOOD);
        List<AgentMessageDeltaNotification> typed = new CopyOnWriteArrayList<>();
        Runnable remove = baseline.listen("item/agentMessage/delta", AgentMessageDeltaNotification.class, delta -> {
            typed.add(delta);
            done.countDown();
        });
        JsonNode sent = baseline.request("bench/flood", Map.of("count", FLOOD)).get(30, TimeUnit.SECONDS);
        assertThat(sent.path("sent").asInt()).isEqualTo(FLOOD);
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        remove.run();
        assertThat(typed).hasSize(FLOOD);

        List<CompletableFuture<JsonNode>> echoes = IntStream.range(0, ECHOES)
                .mapToObj(i -> baseline.request("bench/echo", Map.of("seq", i))).toList();
        for (int i = 0; i < ECHOES; i++) {
            JsonNode result = echoes.get(i).get(30, TimeUnit.SECONDS);
            assertThat(result.path("seq").asInt()).isEqualTo(i);
            assertThat(result.path("id").asLong()).isEqualTo(i + 3L); // 1 was initialize, 2 the flood
        }
    }

    /** The native twin must send exactly what the Java server sends, or the two would not be comparable. */
    @Test
    void theNativeTwinAnswersByteForByteLikeTheJavaServer(@TempDir Path dir)
            throws Exception {
        assumeTrue(onPath("cc"), "no C compiler here");
        Path binary = dir.resolve("bench-server");
        Process cc = new ProcessBuilder("cc", "-O2", "-o", binary.toString(), "src/test/c/bench_server.c")
                .redirectErrorStream(true).start();
        String ccOutput = new String(cc.getInputStream().readAllBytes(), UTF_8);
        assertThat(cc.waitFor()).as(ccOutput).isZero();
        String input = "{\"id\":1,\"method\":\"initialize\",\"params\":{}}\n{\"method\":\"initialized\"}\n"
                + "{\"id\":2,\"method\":\"bench/echo\",\"params\":{\"seq\":7}}\n"
                + "{\"id\":3,\"method\":\"bench/echo\",\"params\":{}}\n"
                + "{\"id\":4,\"method\":\"bench/flood\",\"params\":{\"count\":130}}\n";
        byte[] fromNative = run(List.of(binary.toString()), input);
        byte[] fromJava = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), BenchServer.class.getName()), input);
        assertThat(new String(fromNative, UTF_8))
                .isEqualTo(new String(fromJava, UTF_8))
                .contains("{\"id\":2,\"result\":{\"id\":2,\"seq\":7}}", "{\"id\":4,\"result\":{\"sent\":130}}");
    }

    private static byte[] run(List<String> command, String input) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().write(input.getBytes(UTF_8));
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
