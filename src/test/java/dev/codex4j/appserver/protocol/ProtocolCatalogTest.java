package dev.codex4j.appserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The generated catalog covers every method the schema lists (stable and experimental), with the
 * generated type of the schema definition each method refers to.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProtocolCatalogTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String TYPES = "dev.codex4j.appserver.protocol.types";
    /** Methods whose result is kept as JSON: AccountSessionsSwitchResponse is an anyOf of two objects. */
    private static final Set<String> JSON_RESULTS = Set.of("accountSession/switch");

    private static Path schemaDir() {
        return Path.of(System.getProperty("codex4j.project.dir", ".")).resolve("protocol-schema");
    }

    /** method → params {@code $ref} name (null when the method has no params) of a method union file. */
    private static Map<String, String> methods(Path file) throws IOException {
        JsonNode union = MAPPER.readTree(file.toFile());
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode variant : union.get("oneOf")) {
            String method = variant.get("properties").get("method").get("enum").get(0).asText();
            JsonNode params = variant.get("properties").get("params");
            String ref = null;
            if (params != null && params.has("$ref")) {
                ref = params.get("$ref").asText();
            } else if (params != null && params.has("anyOf")) {
                for (JsonNode branch : params.get("anyOf")) {
                    ref = branch.has("$ref") ? branch.get("$ref").asText() : ref;
                }
            }
            out.put(method, ref == null ? null : ref.substring(ref.lastIndexOf('/') + 1));
        }
        return out;
    }

    private static boolean schemaFileExists(String typeName) {
        for (Path dir : List.of(schemaDir(), schemaDir().resolve("experimental"))) {
            if (Files.exists(dir.resolve(typeName + ".json")) || Files.exists(dir.resolve("v2").resolve(typeName + ".json"))
                    || Files.exists(dir.resolve("v1").resolve(typeName + ".json"))) {
                return true;
            }
        }
        return false;
    }

    private static void assertGeneratedType(Class<?> type, String expectedName) {
        if (expectedName == null) {
            assertThat(type).isEqualTo(Void.class);
        } else {
            assertThat(type.getName()).isEqualTo(TYPES + "." + expectedName);
        }
    }

    @Test
    void clientRequests() throws IOException {
        Map<String, String> stable = methods(schemaDir().resolve("ClientRequest.json"));
        Map<String, String> all = methods(schemaDir().resolve("experimental/ClientRequest.json"));
        assertThat(stable).hasSize(109);
        assertThat(ClientMethods.all()).extracting(ClientMethod::name).containsExactlyElementsOf(all.keySet());
        for (ClientMethod<?, ?> m : ClientMethods.all()) {
            assertThat(ClientMethods.byName(m.name())).containsSame(m);
            assertThat(m.experimental()).as(m.name()).isEqualTo(!stable.containsKey(m.name()));
            assertGeneratedType(m.paramsType(), all.get(m.name()));
            // the schema does not link results to methods: the result is a generated *Response type
            // that the schema exports as a file of its own
            if (m.resultType() == JsonNode.class) {
                // a response schema with no honest Java shape (anyOf of unrelated objects)
                assertThat(m.name()).isIn(JSON_RESULTS);
                continue;
            }
            assertThat(m.resultType().getPackageName()).as(m.name()).isEqualTo(TYPES);
            assertThat(m.resultType().getSimpleName()).as(m.name()).endsWith("Response");
            assertThat(schemaFileExists(m.resultType().getSimpleName())).as(m.name()).isTrue();
        }
        report("client requests", stable.size(), all.size(), ClientMethods.all().size());
    }

    @Test
    void serverNotifications() throws IOException {
        Map<String, String> stable = methods(schemaDir().resolve("ServerNotification.json"));
        Map<String, String> all = methods(schemaDir().resolve("experimental/ServerNotification.json"));
        assertThat(stable).hasSize(86);
        assertThat(ServerNotifications.all()).extracting(NotificationMethod::name)
                .containsExactlyElementsOf(all.keySet());
        for (NotificationMethod<?> m : ServerNotifications.all()) {
            assertThat(ServerNotifications.byName(m.name())).containsSame(m);
            assertThat(m.experimental()).as(m.name()).isEqualTo(!stable.containsKey(m.name()));
            assertGeneratedType(m.payloadType(), all.get(m.name()));
        }
        report("server notifications", stable.size(), all.size(), ServerNotifications.all().size());
    }

    @Test
    void serverRequests() throws IOException {
        Map<String, String> stable = methods(schemaDir().resolve("ServerRequest.json"));
        Map<String, String> all = methods(schemaDir().resolve("experimental/ServerRequest.json"));
        assertThat(stable).hasSize(10);
        assertThat(ServerRequests.all()).extracting(ServerRequestMethod::name).containsExactlyElementsOf(all.keySet());
        for (ServerRequestMethod<?, ?> m : ServerRequests.all()) {
            assertThat(ServerRequests.byName(m.name())).containsSame(m);
            assertThat(m.experimental()).as(m.name()).isEqualTo(!stable.containsKey(m.name()));
            String params = all.get(m.name());
            assertGeneratedType(m.paramsType(), params);
            assertGeneratedType(m.responseType(), params.replaceFirst("Params$", "Response"));
        }
        report("server requests", stable.size(), all.size(), ServerRequests.all().size());
    }

    @Test
    void clientNotifications() throws IOException {
        Map<String, String> all = methods(schemaDir().resolve("experimental/ClientNotification.json"));
        assertThat(ClientNotifications.all()).extracting(NotificationMethod::name).containsExactlyElementsOf(all.keySet());
        assertThat(ClientNotifications.INITIALIZED.payloadType()).isEqualTo(Void.class);
    }

    @Test
    void sealedTypesHaveOneVariantPerMethod() {
        Set<String> notificationVariants = new TreeSet<>();
        for (Class<?> c : ServerNotification.class.getPermittedSubclasses()) {
            notificationVariants.add(c.getSimpleName());
        }
        assertThat(notificationVariants).hasSize(ServerNotifications.all().size() + 1).contains("UnknownNotification");
        List<String> requestVariants = new ArrayList<>();
        for (Class<?> c : ServerRequest.class.getPermittedSubclasses()) {
            requestVariants.add(c.getSimpleName());
        }
        assertThat(requestVariants).hasSize(ServerRequests.all().size() + 1).contains("UnknownRequest");
    }

    private static void report(String what, int stable, int experimental, int catalog) {
        System.out.printf("catalog %s: %d stable, %d with experimental (catalog has %d)%n", what, stable, experimental,
                catalog);
    }
}
