package dev.codex4j.appserver.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fix-on-failure workflow against real codex and the scripted model: both outcomes, and the demo. */
@Timeout(60)
class FixOnFailureTest {

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    @Test
    void passingTestsExitZeroWriteNothingAndNeverAskTheModel() throws Exception {
        try (ExampleCodex codex = ExampleCodex.offline(FixOnFailure.offlineScript())) {
            Path project = Files.createDirectory(codex.workspace().resolve("project"));

            int exitCode = FixOnFailure.run(codex, project, List.of("true"), out);

            assertThat(exitCode).isZero();
            assertThat(project.resolve("artifacts")).doesNotExist();
            assertThat(codex.model().requests()).isEmpty();
            assertThat(printed.toString(StandardCharsets.UTF_8)).contains("tests passed");
        }
    }

    @Test
    void theTestsMayWriteInTheProject() throws Exception {
        try (ExampleCodex codex = ExampleCodex.offline()) {
            Path project = Files.createDirectory(codex.workspace().resolve("project"));

            // codex's default sandbox here is read-only; the example lets the tests write their build output.
            int exitCode = FixOnFailure.run(codex, project, List.of("sh", "-c", "echo built > build.log"), out);

            assertThat(exitCode).isZero();
            assertThat(project.resolve("build.log")).hasContent("built");
        }
    }

    @Test
    void failingTestsSendTheirOutputToTheAgentWriteItsPlanAndExitNonZero() throws Exception {
        try (ExampleCodex codex = ExampleCodex.offline(Reply.message("Fix the off-by-one in Counter.java line 7."))) {
            Path project = Files.createDirectory(codex.workspace().resolve("project"));

            int exitCode = FixOnFailure.run(codex, project,
                    List.of("sh", "-c", "echo 'CounterTest FAILED: expected 3 but was 2'; exit 1"), out);

            assertThat(exitCode).isEqualTo(1);
            assertThat(project.resolve("artifacts/fix_plan.md")).content()
                    .startsWith("# Fix plan")
                    .contains("exited with code 1")
                    .contains("Fix the off-by-one in Counter.java line 7.");
            assertThat(codex.model().requests()).singleElement()
                    .satisfies(r -> assertThat(r.inputItems("message").toString())
                            .contains("CounterTest FAILED: expected 3 but was 2"));
        }
    }

    @Test
    void onlyTheEndOfALongFailingOutputReachesTheAgent() throws Exception {
        try (ExampleCodex codex = ExampleCodex.offline(Reply.message("plan"))) {
            Path project = Files.createDirectory(codex.workspace().resolve("project"));
            // 3,000 numbered lines (about 25,000 characters), far over the limit.
            String lines = "i=0; while [ $i -lt 3000 ]; do echo \"line $i\"; i=$((i+1)); done; exit 2";

            assertThat(FixOnFailure.run(codex, project, List.of("sh", "-c", lines), out)).isEqualTo(1);

            String sent = codex.model().requests().get(0).inputItems("message").toString();
            assertThat(sent).contains("line 2999").contains("characters cut").doesNotContain("line 10\\n");
        }
    }

    @Test
    void whenTheAgentCannotAnswerItSaysSoWritesNoPlanAndStillFails() throws Exception {
        try (ExampleCodex codex = ExampleCodex.offline(
                Reply.httpError(503, "{\"error\":{\"message\":\"service unavailable\"}}"))) {
            Path project = Files.createDirectory(codex.workspace().resolve("project"));

            int exitCode = FixOnFailure.run(codex, project, List.of("sh", "-c", "exit 1"), out);

            assertThat(exitCode).isEqualTo(1);
            assertThat(project.resolve("artifacts")).doesNotExist();
            assertThat(printed.toString(StandardCharsets.UTF_8)).contains("no fix plan: the agent's turn ended FAILED")
                    .contains("service unavailable");
        }
    }

    @Test
    void theDemoProjectsTestReallyFailsAndGetsTheScriptedPlan() throws Exception {
        try (ExampleCodex codex = ExampleCodex.offline(FixOnFailure.offlineScript())) {
            Path project = FixOnFailure.demoProject(codex.workspace().resolve("demo"));

            assertThat(FixOnFailure.run(codex, project, List.of("sh", "test.sh"), out)).isEqualTo(1);

            assertThat(codex.model().requests().get(0).inputItems("message").toString())
                    .contains("FAIL add: expected 4 but was 0");
            assertThat(project.resolve("artifacts/fix_plan.md")).content().contains("`calc.sh`, line 2");
        }
    }
}
