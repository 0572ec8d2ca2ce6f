package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.testing.FakeAppServerLauncher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/**
 * The client against a scripted fake app-server running as a real subprocess, for what the real binary
 * will not do on demand: dying mid-request, closing stdout, garbage lines, ignoring SIGTERM.
 */
@Timeout(60)
class FakeProcessClientTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private AppServerClient client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
    }

    private AppServerClient start(String... fakeArgs) throws Exception {
        return start(AppServerClient.builder(), fakeArgs);
    }

    private AppServerClient start(AppServerClient.Builder builder, String... fakeArgs) throws Exception {
        client = builder.executable(FakeAppServerLauncher.createScript(dir))
                .arguments(List.of(fakeArgs))
                .environment(Map.of("CODEX_HOME", dir.toString()))
                .build();
        InitializeResponse init = client.start().block(WAIT);
        assertThat(init.userAgent()).isEqualTo("fake/0.0.0");
        return client;
    }

    @Test
    void processExitMidRequestFailsPendingRequestsAtOnceWithExitCodeAndStderr() throws Exception {
        start();
        CompletableFuture<JsonNode> waiting = client.request("fake/noReply", null).toFuture();
        StepVerifier notifications = StepVerifier.create(client.notifications().ignoreElements())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ConnectionClosedException.class))
                .verifyLater();
        long sentAt = System.nanoTime();
        StepVerifier.create(client.request("fake/exit", Map.of("code", 7, "stderr", List.of("panic: out of cheese"))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(ConnectionClosedException.class, c -> {
                    assertThat(c.exitCode()).isEqualTo(7);
                    assertThat(c.stderrTail()).contains("panic: out of cheese");
                    assertThat(c.getMessage()).contains("exit code 7").contains("panic: out of cheese");
                }))
                .verify(WAIT);
        assertThat(Duration.ofNanos(System.nanoTime() - sentAt)).isLessThan(Duration.ofSeconds(1));
        assertThatThrownBy(waiting::join).cause().isInstanceOf(ConnectionClosedException.class);
        notifications.verify(WAIT);
        assertThat(client.pendingRequestCount()).isZero();
    }

    @Test
    void stdoutClosedWhileTheProcessLivesFailsPendingAndKillsTheProcess() throws Exception {
        start();
        long pid = childPid();
        StepVerifier.create(client.request("fake/closeStdout", Map.of("stderr", List.of("closing stdout now"))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(ConnectionClosedException.class, c -> {
                    assertThat(c.getMessage()).contains("closed stdout");
                    assertThat(c.stderrTail()).contains("closing stdout now");
                }))
                .verify(WAIT);
        ProcessHandle child = ProcessHandle.of(pid).orElse(null);
        if (child != null) {
            child.onExit().get(); // bounded by the class timeout; the client kills it
        }
    }

    @Test
    void garbageLinesAreSkippedAndTheConnectionCarriesOn() throws Exception {
        start();
        CompletableFuture<List<Notification>> two = client.notifications("after").take(2).collectList().toFuture();
        client.request("fake/emit", Map.of("lines", List.of("not json at all", "", "[1,2]", "42",
                "{\"method\":\"after\",\"params\":{\"n\":1}}", "{\"id\":999999,\"result\":{}}",
                "{\"method\":\"after\",\"params\":{\"n\":2}}"))).block(WAIT);
        assertThat(two.get()).extracting(n -> n.params().get("n").asInt()).containsExactly(1, 2);
        assertThat(client.malformedLineCount()).isEqualTo(3);
        assertThat(client.request("echo", Map.of("still", "alive")).block(WAIT).get("still").asText()).isEqualTo("alive");
    }

    @Test
    void aUtf8CharacterSplitAcrossWritesArrivesIntact() throws Exception {
        start();
        byte[] line = "{\"method\":\"text\",\"params\":{\"t\":\"h€llo 😀\"}}\n".getBytes(StandardCharsets.UTF_8);
        int cut = new String(line, StandardCharsets.UTF_8).indexOf('€') + 1; // inside the 3-byte euro sign
        List<String> chunks = List.of(
                Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(line, 0, cut)),
                Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(line, cut, line.length)));
        CompletableFuture<Notification> text = client.notifications("text").next().toFuture();
        client.request("fake/emitBytes", Map.of("chunks", chunks, "pauseMs", 50)).block(WAIT);
        assertThat(text.get().params().get("t").asText()).isEqualTo("h€llo 😀");
    }

    @Test
    void anUnknownServerRequestIsAnsweredWithMethodNotFound() throws Exception {
        start();
        JsonNode reply = client.request("fake/serverRequest",
                Map.of("method", "some/newRequest", "params", Map.of(), "id", "s-1")).block(WAIT).get("reply");
        assertThat(reply.get("id").asText()).isEqualTo("s-1");
        assertThat(reply.at("/error/code").asInt()).isEqualTo(-32601);
        assertThat(reply.has("result")).isFalse();
    }

    @Test
    void aHandlerThatThrowsIsAnsweredWithDecline() throws Exception {
        start(AppServerClient.builder().approvals(ApprovalDecisions.builder().onFileChange(r -> {
            throw new IllegalStateException("bug in handler");
        }).build()));
        JsonNode reply = client.request("fake/serverRequest", Map.of("method", "item/fileChange/requestApproval",
                "params", Map.of("threadId", "t", "turnId", "u", "itemId", "i"))).block(WAIT).get("reply");
        assertThat(reply.get("result").get("decision").asText()).isEqualTo("decline");
    }

    @Test
    void aServerThatFloodsStderrNeverBlocks() throws Exception {
        start();
        JsonNode written = client.request("fake/stderr", Map.of("bytes", 20_000_000, "line", "x".repeat(200)))
                .block(Duration.ofSeconds(30));
        assertThat(written.get("bytes").asLong()).isGreaterThanOrEqualTo(20_000_000L);
        assertThat(client.stderrTail()).isNotEmpty().allSatisfy(l -> assertThat(l.length()).isLessThan(3000));
    }

    @Test
    void aServerThatDiesAtStartFailsStartWithItsStderr() throws Exception {
        client = AppServerClient.builder().executable(FakeAppServerLauncher.createScript(dir))
                .arguments(List.of("--exit-at-start", "3")).build();
        assertThatThrownBy(() -> client.start().block(WAIT)).isInstanceOfSatisfying(ConnectionClosedException.class,
                e -> {
                    assertThat(e.exitCode()).isEqualTo(3);
                    assertThat(e.stderrTail()).contains("fatal: simulated startup failure");
                });
    }

    @Test
    void aServerThatNeverAnswersInitializeTimesOutAndIsEnded() throws Exception {
        client = AppServerClient.builder().executable(FakeAppServerLauncher.createScript(dir))
                .arguments(List.of("--no-handshake-reply")).requestTimeout(Duration.ofMillis(1500)).build();
        assertThatThrownBy(() -> client.start().block(WAIT)).isInstanceOf(RequestTimeoutException.class)
                .hasMessageContaining("initialize");
        StepVerifier.create(client.notifications()).expectComplete().verify(WAIT);
    }

    @Test
    void closeEndsAProcessTreeThatIgnoresSigtermAndStdinEof() throws Exception {
        start(AppServerClient.builder().shutdownGrace(Duration.ofMillis(200)),
                "--ignore-sigterm", "--ignore-stdin-eof", "--spawn-grandchild");
        long pid = childPid();
        long grandchild = grandchildPid();
        assertThat(ProcessHandle.of(grandchild)).isPresent();
        client.close();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
        assertThat(ProcessHandle.of(grandchild).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().endsWith("-" + pid));
    }

    private long childPid() {
        return ProcessHandle.current().children()
                .filter(p -> p.info().commandLine().orElse("").contains("FakeAppServer"))
                .mapToLong(ProcessHandle::pid).max().orElseThrow();
    }

    private long grandchildPid() throws Exception {
        Pattern pattern = Pattern.compile("grandchild-pid=(\\d+)");
        // the fake prints the pid before it reads stdin, so it is in the tail once the handshake is done
        for (String line : client.stderrTail()) {
            Matcher m = pattern.matcher(line);
            if (m.find()) {
                return Long.parseLong(m.group(1));
            }
        }
        throw new AssertionError("no grandchild pid in " + client.stderrTail());
    }
}
