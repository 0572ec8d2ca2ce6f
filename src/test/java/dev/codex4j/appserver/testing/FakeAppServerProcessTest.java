package dev.codex4j.appserver.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Drives {@link FakeAppServer} as a subprocess through its launcher script, with raw JSON lines: its faults as a
 * process (exiting, closing stdout or stdin, flooding stderr, ignoring SIGTERM or stdin EOF, grandchildren that
 * outlive it, failing at start, never answering the handshake), its command-line flags, the relay that hands its
 * stdin to a test, and arguments baked into the launcher.
 */
@Timeout(60)
class FakeAppServerProcessTest extends FakeAppServerTestBase {

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
}
