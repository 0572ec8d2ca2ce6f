package dev.codex4j.appserver.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.protocol.types.CommandExecutionStatus;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.thread.TurnResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's first command (scripts/run-example.sh) does what the README says, offline. */
@Timeout(60)
class StreamOneTurnTest {

    @Test
    void theExampleAnswersOneApprovalVisiblyStreamsTheTextAndPrintsResultAndUsage() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        TurnResult result = StreamOneTurn.run(StreamOneTurn.DEFAULT_PROMPT, null, out);

        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(result.isCompleted()).isTrue();
        assertThat(result.itemsOf(ThreadItem.CommandExecution.class)).singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(CommandExecutionStatus.COMPLETED));
        assertThat(printed).containsSubsequence("I'll check the git version.", "[approval] ", "git --version",
                "-> ACCEPT", "git version", "This machine has git installed;", "turn COMPLETED",
                "final answer: " + result.finalResponse(), "tokens: ");
    }
}
