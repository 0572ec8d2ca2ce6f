package dev.codex4j.appserver.codegen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The two bundled schemas: the experimental superset (what we generate from) and the stable schema
 * (what tells us which parts are experimental-only). Definitions live at {@code #/definitions/NAME}
 * (v1 and server-request types) and {@code #/definitions/v2/NAME}.
 */
final class SchemaIndex {
    static final String BUNDLE = "codex_app_server_protocol.schemas.json";

    /** One named definition of the experimental bundle, with its stable counterpart if there is one. */
    record Definition(String ref, String namespace, String name, JsonNode schema, JsonNode stable) {
        boolean experimentalOnly() {
            return stable == null;
        }
    }

    private final Map<String, Definition> byRef = new LinkedHashMap<>();
    private final JsonNode experimentalRoot;
    private final JsonNode stableRoot;

    SchemaIndex(Path schemaDir) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        this.stableRoot = mapper.readTree(schemaDir.resolve(BUNDLE).toFile());
        this.experimentalRoot = mapper.readTree(schemaDir.resolve("experimental").resolve(BUNDLE).toFile());
        index("", experimentalRoot.get("definitions"), stableRoot.get("definitions"));
        index("v2", experimentalRoot.get("definitions").get("v2"), stableRoot.get("definitions").get("v2"));
    }

    private void index(String namespace, JsonNode defs, JsonNode stableDefs) {
        // sorted by name so that everything downstream is deterministic
        Map<String, JsonNode> sorted = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : defs.properties()) {
            if (namespace.isEmpty() && e.getKey().equals("v2")) {
                continue;
            }
            sorted.put(e.getKey(), e.getValue());
        }
        String prefix = namespace.isEmpty() ? "#/definitions/" : "#/definitions/" + namespace + "/";
        sorted.forEach((name, schema) -> byRef.put(
                prefix + name, new Definition(prefix + name, namespace, name, schema, stableDefs == null ? null : stableDefs.get(name))));
    }

    List<Definition> definitions() {
        return new ArrayList<>(byRef.values());
    }

    Definition resolve(String ref) {
        Definition def = byRef.get(ref);
        if (def == null) {
            throw new IllegalStateException("unresolvable $ref " + ref);
        }
        return def;
    }

    /** A top-level definition by name, e.g. {@code ClientRequest}. */
    Definition topLevel(String name) {
        return resolve("#/definitions/" + name);
    }

    /** Whether a definition named {@code name} exists in either namespace. */
    Definition byName(String name) {
        Definition v2 = byRef.get("#/definitions/v2/" + name);
        return v2 != null ? v2 : byRef.get("#/definitions/" + name);
    }
}
