package dev.codex4j.appserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import dev.codex4j.appserver.testing.ProtocolAssertions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * Every message recorded from the real codex binary ({@code fixtures/real-codex-<version>/*.jsonl}, one raw
 * wire message per line) decodes into its generated type (no {@code Unknown...} fallbacks) and encodes
 * back to the same JSON, modulo null/absent fields.
 *
 * <p>Responses carry no method: their type comes from the request with the same id earlier in the file
 * (client requests in the file, or server requests for the client's answers). Responses whose request is
 * not in the file are only checked to be JSON objects.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RealMessagesRoundTripTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static Path fixtures() {
        String version = System.getProperty("codex4j.codex.version", "0.169.0");
        return Path.of(System.getProperty("codex4j.project.dir", "."))
                .resolve("src/test/resources/fixtures/real-codex-" + version);
    }

    @TestFactory
    Stream<DynamicTest> everyRecordedMessageRoundTrips() throws IOException {
        Path dir = fixtures();
        assumeTrue(Files.isDirectory(dir), "no recorded fixtures at " + dir);
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
        }
        assumeTrue(!files.isEmpty(), "no *.jsonl in " + dir);
        List<DynamicTest> tests = new ArrayList<>();
        for (Path file : files) {
            // id → result type, filled as requests go by (ids are unique per direction and file)
            Map<String, Class<?>> pendingClient = new HashMap<>();
            Map<String, Class<?>> pendingServer = new HashMap<>();
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.isBlank()) {
                    continue;
                }
                JsonNode message = MAPPER.readTree(line);
                String name = file.getFileName() + ":" + (i + 1) + " " + describe(message);
                tests.add(DynamicTest.dynamicTest(name, checkFor(message, pendingClient, pendingServer)));
            }
        }
        return tests.stream();
    }

    private static String describe(JsonNode message) {
        if (message.has("method")) {
            return message.get("method").asText() + (message.has("id") ? " (request)" : "");
        }
        return message.has("error") ? "error response" : "response id " + message.path("id");
    }

    /** Decides what the message is now (so that request ids are known in file order), checks it later. */
    private static org.junit.jupiter.api.function.Executable checkFor(
            JsonNode message, Map<String, Class<?>> pendingClient, Map<String, Class<?>> pendingServer) {
        JsonNode params = message.get("params");
        if (message.has("method")) {
            String method = message.get("method").asText();
            if (message.has("id")) {
                var serverRequest = ServerRequests.byName(method);
                if (serverRequest.isPresent()) {
                    pendingServer.put(message.get("id").toString(), serverRequest.get().responseType());
                    return () -> {
                        ServerRequest decoded = ServerRequests.decode(MAPPER, method, params);
                        assertThat(decoded).isNotInstanceOf(ServerRequest.UnknownRequest.class);
                        assertRoundTrip(params, decoded.params());
                    };
                }
                var clientMethod = ClientMethods.byName(method);
                clientMethod.ifPresent(m -> pendingClient.put(message.get("id").toString(), m.resultType()));
                return () -> {
                    assertThat(clientMethod).as("a known method").isPresent();
                    if (clientMethod.get().hasNoParams()) {
                        assertThat(params == null || params.isNull()).isTrue();
                    } else {
                        assertRoundTrip(params, MAPPER.treeToValue(params, clientMethod.get().paramsType()));
                    }
                };
            }
            return () -> {
                if (ClientNotifications.byName(method).isPresent()) {
                    return; // the client's own "initialized" (no params)
                }
                ServerNotification decoded = ServerNotifications.decode(MAPPER, method, params);
                assertThat(decoded).isNotInstanceOf(ServerNotification.UnknownNotification.class);
                assertRoundTrip(params, decoded.params());
            };
        }
        String id = message.path("id").toString();
        Class<?> type = pendingClient.containsKey(id) ? pendingClient.remove(id) : pendingServer.remove(id);
        JsonNode result = message.get("result");
        return () -> {
            if (message.has("error")) {
                assertThat(message.get("error").path("message").isTextual()).isTrue();
            } else if (type == null) {
                assertThat(result).isNotNull();
            } else {
                assertRoundTrip(result, MAPPER.treeToValue(result, type));
            }
        };
    }

    private static void assertRoundTrip(JsonNode original, Object decoded) throws IOException {
        ProtocolAssertions.assertFullyTyped(decoded, "$");
        JsonNode reencoded = MAPPER.readTree(MAPPER.writeValueAsString(decoded));
        assertThat(withoutNulls(reencoded)).isEqualTo(withoutNulls(MAPPER.readTree(MAPPER.writeValueAsString(original))));
    }

    /** Drops null-valued object members (absent and null are the same to the protocol types). */
    private static JsonNode withoutNulls(JsonNode node) {
        if (node instanceof ObjectNode object) {
            ObjectNode out = MAPPER.createObjectNode();
            for (Map.Entry<String, JsonNode> e : object.properties()) {
                if (!e.getValue().isNull()) {
                    out.set(e.getKey(), withoutNulls(e.getValue()));
                }
            }
            return out;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode out = MAPPER.createArrayNode();
            array.forEach(e -> out.add(withoutNulls(e)));
            return out;
        }
        return node;
    }
}
