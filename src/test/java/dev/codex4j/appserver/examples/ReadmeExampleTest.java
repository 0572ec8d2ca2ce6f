package dev.codex4j.appserver.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import dev.codex4j.appserver.AppServerClient;

/** Keeps the README's usage example identical to compiled code, and runs that code against real codex. */
@Timeout(60)
class ReadmeExampleTest {

    private static final Path PROJECT = Path.of(System.getProperty("codex4j.project.dir", "."));

    @ParameterizedTest
    @ValueSource(strings = {"usage", "typed", "approvals", "threads", "blocking"})
    void theReadmeShowsTheCompiledExampleVerbatim(String example) throws Exception {
        List<String> source = Files.readAllLines(
                PROJECT.resolve("src/examples/java/dev/codex4j/appserver/examples/ReadmeExample.java"));
        int from = indexOf(source, "// README:" + example + ":start") + 1;
        int to = indexOf(source, "// README:" + example + ":end");
        int indent = source.get(from).length() - source.get(from).stripLeading().length();
        String snippet = source.subList(from, to).stream()
                .map(line -> line.length() >= indent ? line.substring(indent) : line.strip())
                .collect(Collectors.joining("\n"));
        String readme = Files.readString(PROJECT.resolve("README.md"), StandardCharsets.UTF_8);
        assertThat(readme).contains(snippet);
    }

    @Test
    void theTypedExampleRunsATurnAgainstRealCodex() {
        try (ScriptedModel model = ScriptedModel.start(); RealCodex codex = RealCodex.forModel(model);
                AppServerClient client = codex.clientBuilder().build()) {
            model.enqueue(Reply.streamedMessage("typed ", "hello"));
            assertThat(ReadmeExample.typedTurn(client, "hello")).isEqualTo("typed hello");
        }
    }

    @Test
    void theBlockingExampleRunsOnceThenResumesTheLatestThreadOfTheRepository() throws Exception {
        try (ScriptedModel model = ScriptedModel.start(); RealCodex codex = RealCodex.forModel(model)) {
            java.nio.file.Path repo = java.nio.file.Files.createDirectories(codex.workspace().resolve("repo"));
            model.enqueue(Reply.message("once"), Reply.streamedMessage("fixed ", "it"), Reply.message("because"));
            var outcome = ReadmeExample.blocking(codex::clientBuilder, repo);
            assertThat(outcome.once().finalResponse()).isEqualTo("once");
            assertThat(outcome.text()).isEqualTo("fixed it");
            assertThat(outcome.interrupted()).isFalse();
            assertThat(outcome.next().finalResponse()).isEqualTo("because");
            assertThat(outcome.events()).endsWith("turn/completed");
            // The run-once thread was ephemeral, so the second client found nothing to resume: one turn before "next".
            assertThat(model.requests().get(2).inputItems("message").toString()).doesNotContain("What does this repository do?");
        }
    }

    @Test
    void theThreadsExampleRunsThreeTurnsAgainstRealCodex() {
        try (ScriptedModel model = ScriptedModel.start(); RealCodex codex = RealCodex.forModel(model);
                AppServerClient client = codex.clientBuilder().build()) {
            model.enqueue(Reply.message("It is a Java client for codex."), Reply.streamedMessage("one ", "module"),
                    Reply.message("{\"name\":\"codex4j\",\"modules\":[\"codex4j-app-server\"]}"));
            var outcome = ReadmeExample.threadsAndTurns(client);
            assertThat(outcome.result().finalResponse()).isEqualTo("It is a Java client for codex.");
            assertThat(outcome.streamed().finalResponse()).isEqualTo("one module");
            assertThat(outcome.summary()).isEqualTo(new ReadmeExample.Summary("codex4j", List.of("codex4j-app-server")));
        }
    }

    @Test
    void theExampleRunsATurnAgainstRealCodex() {
        try (ScriptedModel model = ScriptedModel.start(); RealCodex codex = RealCodex.forModel(model)) {
            model.enqueue(Reply.streamedMessage("Hi ", "from ", "the README"));
            String answer = ReadmeExample.firstTurn(codex.executable(), codex.appServerArguments(), codex.codexHome(),
                    codex.workspace(), "hello");
            assertThat(answer).isEqualTo("Hi from the README");
        }
    }

    private static int indexOf(List<String> lines, String marker) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(marker)) {
                return i;
            }
        }
        throw new AssertionError("marker not found: " + marker);
    }
}
