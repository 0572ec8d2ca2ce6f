package dev.codex4j.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

/**
 * A turn ends at {@code codex-example.turn-timeout} whatever it waits for (here an approval nobody answers, given
 * far longer): else a turn that never ends (a command that never exits runs without approval in the read-only
 * sandbox; a page closed on an approval) would hold one of the {@code max-running-turns} slots, and a few of them
 * would refuse every later turn.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"codex-example.turn-timeout=3s", "codex-example.approval-timeout=30m"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)   // a blocked read ignores interrupts
class TurnDeadlineTest {

    @LocalServerPort
    int port;

    @Test
    void aTurnEndsAtItsDeadline() throws Exception {
        TurnApi api = new TurnApi(port);
        String turn = api.startTurn("echo");
        api.firstEvent(turn, "approval", -1);   // left unanswered

        JsonNode done = api.firstEvent(turn, "done", -1);
        assertThat(done.path("status").asText()).isEqualTo("failed");
        assertThat(done.path("error").asText()).contains("deadline of PT3S");
    }
}
