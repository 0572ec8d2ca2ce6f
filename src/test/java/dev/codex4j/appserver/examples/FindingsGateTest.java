package dev.codex4j.appserver.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.examples.FindingsGate.Severity;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The findings gate against real codex and the scripted model: its three exit codes and the schema it sends. */
@Timeout(60)
class FindingsGateTest {

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    @Test
    void aFindingAtTheThresholdFailsTheGate() {
        try (ExampleCodex codex = ExampleCodex.offline(FindingsGate.offlineScript())) {
            int exitCode = FindingsGate.run(codex, codex.workspace(), Severity.HIGH, out);

            assertThat(exitCode).isEqualTo(1);
            assertThat(printed.toString(StandardCharsets.UTF_8))
                    .contains("x HIGH src/Login.java:42 password compared with ==")
                    .contains("gate failed: 1 finding(s) at or above HIGH");
            // The model was asked for exactly the record's shape, strictly.
            JsonNode format = codex.model().requests().get(0).body().at("/text/format");
            assertThat(format.path("strict").asBoolean()).isTrue();
            assertThat(format.at("/schema/properties/findings/items/required").toString())
                    .contains("severity", "file", "line", "title");
        }
    }

    @Test
    void findingsBelowTheThresholdPassTheGate() {
        try (ExampleCodex codex = ExampleCodex.offline(FindingsGate.offlineScript())) {
            int exitCode = FindingsGate.run(codex, codex.workspace(), Severity.CRITICAL, out);

            assertThat(exitCode).isZero();
            assertThat(printed.toString(StandardCharsets.UTF_8)).contains("2 finding(s)")
                    .contains("gate passed: nothing at or above CRITICAL");
        }
    }

    @Test
    void anAnswerThatIsNotFindingsIsNoReview() {
        try (ExampleCodex codex = ExampleCodex.offline(Reply.message("Looks good to me!"))) {
            int exitCode = FindingsGate.run(codex, codex.workspace(), Severity.LOW, out);

            assertThat(exitCode).isEqualTo(2);
            assertThat(printed.toString(StandardCharsets.UTF_8)).contains("no usable review");
        }
    }
}
