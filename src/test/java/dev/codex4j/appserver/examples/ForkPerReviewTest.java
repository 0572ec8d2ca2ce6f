package dev.codex4j.appserver.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.types.ThreadSnapshot;
import dev.codex4j.appserver.testing.ScriptedModel.RecordedRequest;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import dev.codex4j.appserver.thread.CodexThreads;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Fork per review against real codex and the scripted model: context shared, reviews isolated, base untouched. */
@Timeout(60)
class ForkPerReviewTest {

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    @Test
    void eachChangeIsReviewedOnItsOwnForkOfTheBaseThreadWhichStaysUntouched() throws Exception {
        try (ExampleCodex codex = ExampleCodex.offline(ForkPerReview.offlineScript())) {
            List<Path> changes = new ArrayList<>();
            Path repository = ForkPerReview.demoRepository(codex.workspace().resolve("repo"), changes);

            int exitCode = ForkPerReview.run(codex, repository, changes, out);

            assertThat(exitCode).isZero();
            assertThat(printed.toString(StandardCharsets.UTF_8)).containsSubsequence(
                    "== review of sub.diff", "`sub` adds instead of subtracting",
                    "== review of readme.diff", "no problems found",
                    "base thread: 1 turn(s) before the reviews, 1 after (untouched)");

            List<RecordedRequest> requests = codex.model().requests();
            assertThat(requests).hasSize(4);   // read (2: the command, then the summary), one per review
            String firstReview = requests.get(2).inputItems("message").toString();
            String secondReview = requests.get(3).inputItems("message").toString();
            // Each fork starts from what the base thread learned ...
            assertThat(firstReview).contains("A shell calculator").contains("+sub() {");
            assertThat(secondReview).contains("A shell calculator").contains("+Functions: add, sub.");
            // ... and sees neither the other change nor its review.
            assertThat(secondReview).doesNotContain("+sub() {").doesNotContain("adds instead of subtracting");
            assertThat(firstReview).doesNotContain("Functions: add, sub.");

            // What codex stored, read back by a new connection: the base thread with its one reading turn and
            // no review in it, and per change a fork of it with that turn and its own review.
            try (AppServerClient client = codex.connect(codex.builder())) {
                CodexThreads threads = CodexThreads.of(client);
                List<ThreadSnapshot> stored = threads.list().collectList().block();
                assertThat(stored).hasSize(3);
                ThreadSnapshot base = stored.get(2);   // thread/list is newest-created first
                assertThat(threads.read(base.id(), true).block().turns()).singleElement()
                        .satisfies(turn -> assertThat(turn.items().toString()).contains("A shell calculator")
                                .doesNotContain("Review this change"));
                for (ThreadSnapshot listed : stored.subList(0, 2)) {
                    ThreadSnapshot fork = threads.read(listed.id(), true).block();
                    assertThat(fork.forkedFromId()).isEqualTo(base.id());
                    assertThat(fork.turns()).hasSize(2);
                }
            }
        }
    }

    @Test
    void aReviewThatFailsMakesTheRunFail() throws Exception {
        Reply[] script = ForkPerReview.offlineScript();
        script[3] = Reply.httpError(503, "{\"error\":{\"message\":\"model overloaded\"}}");
        try (ExampleCodex codex = ExampleCodex.offline(script)) {
            List<Path> changes = new ArrayList<>();
            Path repository = ForkPerReview.demoRepository(codex.workspace().resolve("repo"), changes);

            int exitCode = ForkPerReview.run(codex, repository, changes, out);

            assertThat(exitCode).isEqualTo(1);
            assertThat(printed.toString(StandardCharsets.UTF_8))
                    .contains("no review: the turn ended FAILED")
                    .contains("model overloaded")
                    .contains("(untouched)");
        }
    }
}
