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
import java.util.stream.Stream;

/** The page's API as the tests call it, over HTTP on the app's port. */
final class TurnApi {

    private static final ObjectMapper JSON = new ObjectMapper();

    final HttpClient http = HttpClient.newHttpClient();
    private final int port;

    TurnApi(int port) {
        this.port = port;
    }

    String startTurn(String prompt) throws IOException, InterruptedException {
        HttpResponse<String> response = post("/api/turns", JSON.createObjectNode().put("prompt", prompt).toString());
        assertThat(response.statusCode()).isEqualTo(201);
        return JSON.readTree(response.body()).path("turnId").asText();
    }

    int answer(String turn, String approval, String decision) throws IOException, InterruptedException {
        return post("/api/turns/" + turn + "/approvals/" + approval,
                JSON.createObjectNode().put("decision", decision).toString()).statusCode();
    }

    /** The data of the first event named {@code name} in the turn's stream (which replays from the start). */
    JsonNode firstEvent(String turn, String name, long lastEventId) throws IOException, InterruptedException {
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

    Stream<String> events(String turn, long lastEventId) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri("/api/turns/" + turn + "/events"));
        if (lastEventId >= 0) {
            request.header("Last-Event-ID", Long.toString(lastEventId));
        }
        HttpResponse<Stream<String>> response = http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
