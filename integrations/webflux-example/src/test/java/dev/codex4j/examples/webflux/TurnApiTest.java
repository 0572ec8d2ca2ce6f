package dev.codex4j.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The page's API without a browser: an approval is answered only through the turn that asked it (another
 * turn's id, an unknown approval id, a second answer: 404), bad input is refused (400), and a reconnecting
 * event stream resumes after the Last-Event-ID it names.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)   // closes the context: stops codex
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TurnApiTest {

    @LocalServerPort
    int port;

    private TurnApi api;

    @BeforeEach
    void connect() {
        api = new TurnApi(port);
    }

    @Test
    void anApprovalIsAnsweredOnlyThroughItsOwnTurn() throws Exception {
        String alpha = api.startTurn("alpha");
        String bravo = api.startTurn("bravo");
        String alphaApproval = api.firstEvent(alpha, "approval", -1).path("approvalId").asText();
        api.firstEvent(bravo, "approval", -1);

        assertThat(api.answer(bravo, alphaApproval, "accept")).isEqualTo(404);
        assertThat(api.answer(alpha, "not-an-approval", "accept")).isEqualTo(404);
        assertThat(api.answer("not-a-turn", alphaApproval, "accept")).isEqualTo(404);
        assertThat(api.answer(alpha, alphaApproval, "maybe")).isEqualTo(400);
        assertThat(api.answer(alpha, alphaApproval, "accept")).isEqualTo(204);
        assertThat(api.answer(alpha, alphaApproval, "decline")).isEqualTo(404);

        assertThat(api.firstEvent(alpha, "commandDone", -1).path("output").asText()).isEqualTo("Hello from the alpha turn\n");
        assertThat(api.firstEvent(alpha, "done", -1).path("status").asText()).isEqualTo("completed");
    }

    @Test
    void aReconnectingStreamResumesAfterTheLastEventItSaw() throws Exception {
        String turn = api.startTurn("charlie");
        JsonNode approval = api.firstEvent(turn, "approval", -1);
        api.answer(turn, approval.path("approvalId").asText(), "decline");
        api.firstEvent(turn, "done", -1);

        try (Stream<String> lines = api.events(turn, 2)) {
            assertThat(lines.filter(line -> line.startsWith("id:")).findFirst()).hasValue("id:3");
        }
    }

    @Test
    void aPromptIsRequired() throws Exception {
        assertThat(api.post("/api/turns", "{\"prompt\":\"   \"}").statusCode()).isEqualTo(400);
        assertThat(api.post("/api/turns", "{\"prompt\":\"" + "x".repeat(4001) + "\"}").statusCode()).isEqualTo(400);
        assertThat(api.http.send(HttpRequest.newBuilder(api.uri("/api/turns/nothing/events")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(404);
    }
}
