package dev.codex4j.appserver.codegen;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.codegen.TypeEmitter.Kind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What shape a JSON schema has: which {@link Kind} a definition becomes, and the predicates and look-ups
 * on schema nodes that the classification and the emitters ({@link TypeEmitter}, {@link RecordEmitter},
 * {@link UnionEmitter}) share. Pure functions of the JSON; no Java types are made here.
 */
final class SchemaShapes {
    private SchemaShapes() {}

    static Kind classify(JsonNode s) {
        if (s.has("enum") && isString(s)) {
            return Kind.ENUM;
        }
        JsonNode branches = s.has("oneOf") ? s.get("oneOf") : s.get("anyOf");
        if (branches != null) {
            List<JsonNode> nonNull = nonNull(branches);
            if (nonNull.stream().allMatch(b -> b.has("enum") && isString(b))) {
                return Kind.ENUM;
            }
            // even a single tagged variant is a union: a newer server may add variants
            if (discriminator(nonNull) != null) {
                return Kind.TAGGED_UNION;
            }
            if (nonNull.size() == 1 && !s.has("properties")) {
                return Kind.ALIAS; // e.g. Nullable_Foo: anyOf [Foo, null]
            }
            if (isExternallyTagged(nonNull)) {
                return Kind.EXTERNAL_UNION;
            }
            if (jsonKinds(nonNull) != null) {
                return Kind.KIND_UNION;
            }
            return Kind.ALIAS;
        }
        if ("object".equals(s.path("type").asText())) {
            boolean hasProperties = s.has("properties") && s.get("properties").size() > 0;
            boolean mapLike = s.has("additionalProperties") && s.get("additionalProperties").isObject();
            // An empty object that the schema exports under its own title is a params/response type:
            // keep it a (component-less) record; an untitled empty object is an open map.
            return hasProperties || (!mapLike && s.has("title")) ? Kind.RECORD : Kind.ALIAS;
        }
        return Kind.ALIAS;
    }

    private static boolean isString(JsonNode s) {
        return "string".equals(s.path("type").asText());
    }

    private static boolean isNullSchema(JsonNode s) {
        return "null".equals(s.path("type").asText());
    }

    static List<JsonNode> nonNull(JsonNode branches) {
        List<JsonNode> out = new ArrayList<>();
        branches.forEach(b -> {
            if (!isNullSchema(b)) {
                out.add(b);
            }
        });
        return out;
    }

    /** The discriminator property shared by every branch (single-valued, required), or null. */
    static String discriminator(List<JsonNode> branches) {
        Set<String> common = null;
        for (JsonNode b : branches) {
            if (!b.has("properties")) {
                return null;
            }
            Set<String> tags = new TreeSet<>();
            Set<String> required = new HashSet<>();
            b.path("required").forEach(r -> required.add(r.asText()));
            b.get("properties").properties().forEach(e -> {
                JsonNode p = e.getValue();
                if (p.has("enum") && p.get("enum").size() == 1 && required.contains(e.getKey())) {
                    tags.add(e.getKey());
                }
            });
            if (common == null) {
                common = tags;
            } else {
                common.retainAll(tags);
            }
        }
        if (common == null || common.isEmpty()) {
            return null;
        }
        String tag = common.contains("type") ? "type" : common.iterator().next();
        Set<String> values = new HashSet<>();
        for (JsonNode b : branches) {
            if (!values.add(b.get("properties").get(tag).get("enum").get(0).asText())) {
                return null; // not a usable discriminator
            }
        }
        return tag;
    }

    static boolean isSingleKeyObject(JsonNode b) {
        return b.has("properties") && b.get("properties").size() == 1
                && b.path("required").size() == 1 && !b.path("additionalProperties").asBoolean(true);
    }

    private static boolean isExternallyTagged(List<JsonNode> branches) {
        boolean anyObject = false;
        for (JsonNode b : branches) {
            boolean catchAll = b.path("type").isArray() && !b.has("properties");
            if (isSingleKeyObject(b)) {
                anyObject = true;
            } else if (!(b.has("enum") && isString(b)) && !catchAll) {
                return false;
            }
        }
        return anyObject;
    }

    /** Each branch's JSON kind when all kinds are distinct and known, else null. */
    static List<String> jsonKinds(List<JsonNode> branches) {
        List<String> out = new ArrayList<>();
        for (JsonNode b : branches) {
            String kind = b.has("$ref") ? "OBJECT" : switch (b.path("type").asText()) {
                case "string" -> "STRING";
                case "integer" -> "INTEGER";
                case "number" -> "NUMBER";
                case "boolean" -> "BOOLEAN";
                case "array" -> "ARRAY";
                default -> null;
            };
            if (kind == null || out.contains(kind)) {
                return null;
            }
            out.add(kind);
        }
        return out;
    }

    static JsonNode child(JsonNode node, String field) {
        return node == null ? null : node.get(field);
    }

    static JsonNode child(JsonNode node, String field, int i) {
        JsonNode array = child(node, field);
        return array == null ? null : array.get(i);
    }

    static boolean isOpen(JsonNode s) {
        return s.path("additionalProperties").isBoolean() && s.get("additionalProperties").asBoolean();
    }}
