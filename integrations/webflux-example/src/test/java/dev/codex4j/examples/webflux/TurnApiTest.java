package dev.codex4j.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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

    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void anApprovalIsAnsweredOnlyThroughItsOwnTurn() throws Exception {
        String alpha = startTurn("alpha");
        String bravo = startTurn("bravo");
        String alphaApproval = firstEvent(alpha, "approval", -1).path("approvalId").asText();
        firstEvent(bravo, "approval", -1);

        assertThat(answer(bravo, alphaApproval, "accept")).isEqualTo(404);
        assertThat(answer(alpha, "not-an-approval", "accept")).isEqualTo(404);
        assertThat(answer("not-a-turn", alphaApproval, "accept")).isEqualTo(404);
        assertThat(answer(alpha, alphaApproval, "maybe")).isEqualTo(400);
        assertThat(answer(alpha, alphaApproval, "accept")).isEqualTo(204);
        assertThat(answer(alpha, alphaApproval, "decline")).isEqualTo(404);

        assertThat(firstEvent(alpha, "commandDone", -1).path("output").asText()).isEqualTo("Hello from the alpha turn\n");
        assertThat(firstEvent(alpha, "done", -1).path("status").asText()).isEqualTo("completed");
    }

    @Test
    void aReconnectingStreamResumesAfterTheLastEventItSaw() throws Exception {
        String turn = startTurn("charlie");
        JsonNode approval = firstEvent(turn, "approval", -1);
        answer(turn, approval.path("approvalId").asText(), "decline");
        firstEvent(turn, "done", -1);

        try (Stream<String> lines = events(turn, 2)) {
            assertThat(lines.filter(line -> line.startsWith("id:")).findFirst()).hasValue("id:3");
        }
    }

    @Test
    void aPromptIsRequired() throws Exception {
        assertThat(post("/api/turns", "{\"prompt\":\"   \"}").statusCode()).isEqualTo(400);
        assertThat(post("/api/turns", "{\"prompt\":\"" + "x".repeat(4001) + "\"}").statusCode()).isEqualTo(400);
        assertThat(http.send(HttpRequest.newBuilder(uri("/api/turns/nothing/events")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(404);
    }

    private String startTurn(String prompt) throws IOException, InterruptedException {
        HttpResponse<String> response = post("/api/turns", JSON.createObjectNode().put("prompt", prompt).toString());
        assertThat(response.statusCode()).isEqualTo(201);
        return JSON.readTree(response.body()).path("turnId").asText();
    }

    private int answer(String turn, String approval, String decision) throws IOException, InterruptedException {
        return post("/api/turns/" + turn + "/approvals/" + approval,
                JSON.createObjectNode().put("decision", decision).toString()).statusCode();
    }

    /** The data of the first event named {@code name} in the turn's stream (which replays from the start). */
    private JsonNode firstEvent(String turn, String name, long lastEventId) throws IOException, InterruptedException {
        try (Stream<String> lines = events(turn, lastEventId)) {
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) {
                if (it.next().equals("event:" + name)) {
                    return JSON.readTree(it.next().substring("data:".length()));
                }
            }
        }
        throw new AssertionError("the stream of turn " + turn + " ended without a " + name + " event");
    }

    private Stream<String> events(String turn, long lastEventId) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri("/api/turns/" + turn + "/events"));
        if (lastEventId >= 0) {
            request.header("Last-Event-ID", Long.toString(lastEventId));
        }
        HttpResponse<Stream<String>> response = http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
