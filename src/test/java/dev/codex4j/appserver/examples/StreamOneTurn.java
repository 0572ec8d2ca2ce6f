package dev.codex4j.appserver.examples;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.ClientInfo;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Mono;

/**
 * Starts codex through {@link AppServerClient}, runs one turn and prints the answer as it streams in.
 *
 * <p>With {@code CODEX_API_KEY} or {@code OPENAI_API_KEY} set, it logs in with that key in a throwaway
 * {@code CODEX_HOME} and talks to the real service. Without one, it runs offline against a scripted model on
 * 127.0.0.1. Run it with {@code scripts/run-example.sh ["your prompt"]}.
 */
public final class StreamOneTurn {

    private StreamOneTurn() {}

    public static void main(String[] args) throws Exception {
        String prompt = args.length > 0 ? String.join(" ", args) : "Greet a Java developer in one sentence.";
        String apiKey = firstSet(System.getenv("CODEX_API_KEY"), System.getenv("OPENAI_API_KEY"));
        try (Offline offline = apiKey == null ? Offline.start() : null) {
            AppServerClient.Builder builder = AppServerClient.builder()
                    .clientInfo(new ClientInfo("codex4j-example", "codex4j example", "0.1.0"))
                    .requestTimeout(Duration.ofMinutes(2));
            if (offline != null) {
                builder.executable(offline.codex.executable())
                        .arguments(offline.codex.appServerArguments())
                        .environment(offline.codex.environment())
                        .inheritEnvironment(false)
                        .workingDirectory(offline.codex.workspace());
                System.out.println("(no CODEX_API_KEY/OPENAI_API_KEY: using a scripted model on " + offline.model.baseUrl() + ")");
            } else {
                Path home = Files.createTempDirectory("codex4j-example-home");
                builder.executable(RealCodex.resolveExecutable())
                        .environment(Map.of("CODEX_HOME", home.toString()))
                        .workingDirectory(Files.createTempDirectory("codex4j-example-workspace"));
            }
            try (AppServerClient client = builder.build()) {
                System.out.println("connected: " + client.start().block().userAgent());
                if (apiKey != null) {
                    client.request("account/login/start", Map.of("type", "apiKey", "apiKey", apiKey)).block();
                }
                String threadId = client.request("thread/start", Map.of()).block().at("/thread/id").asText();

                // Subscribe before starting the turn, so no event is missed.
                Mono<Notification> completed = client.notifications()
                        .filter(n -> threadId.equals(n.params().path("threadId").asText()))
                        .doOnNext(n -> {
                            if (n.method().equals("item/agentMessage/delta")) {
                                System.out.print(n.params().get("delta").asText());
                                System.out.flush();
                            }
                        })
                        .filter(n -> n.method().equals("turn/completed"))
                        .next()
                        .cache();
                completed.subscribe();
                System.out.println("> " + prompt);
                client.request("turn/start", Map.of("threadId", threadId,
                        "input", List.of(Map.of("type", "text", "text", prompt)))).block();
                Notification end = completed.block(Duration.ofMinutes(5));
                System.out.println();
                System.out.println("turn " + end.params().at("/turn/status").asText());
            }
        }
    }

    private static String firstSet(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    /** The scripted model and isolated codex home used when no API key is set. */
    private record Offline(ScriptedModel model, RealCodex codex) implements AutoCloseable {

        static Offline start() {
            ScriptedModel model = ScriptedModel.start();
            model.enqueue(Reply.streamedMessage("Hello", ", Java ", "developer", "! This answer ", "streamed in ",
                    "from a scripted model through codex app-server."));
            return new Offline(model, RealCodex.forModel(model));
        }

        @Override
        public void close() {
            model.close();
            codex.close();
        }
    }
}
