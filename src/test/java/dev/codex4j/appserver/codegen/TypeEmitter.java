package dev.codex4j.appserver.codegen;

import static dev.codex4j.appserver.codegen.SchemaShapes.child;
import static dev.codex4j.appserver.codegen.SchemaShapes.classify;
import static dev.codex4j.appserver.codegen.SchemaShapes.isOpen;
import static dev.codex4j.appserver.codegen.SchemaShapes.nonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.codex4j.appserver.codegen.SchemaIndex.Definition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.lang.model.element.Modifier;

/**
 * Maps schema definitions to Java types of the {@code types} package:
 *
 * <ul>
 *   <li>objects → records (nested records for inline objects);
 *   <li>string enums (also {@code oneOf} of string enums) → enums with an {@code UNRECOGNIZED} fallback;
 *   <li>{@code oneOf} objects sharing a single-valued discriminator → sealed interface, one record per
 *       variant, plus {@code Unknown...} keeping the raw JSON;
 *   <li>{@code oneOf} of strings and single-key objects (serde externally tagged enums) → sealed
 *       interface with an enum of the string cases, a record per object case, plus {@code Unknown...};
 *   <li>{@code anyOf} whose alternatives are different JSON kinds (string | integer...) → sealed
 *       interface with one wrapper record per kind;
 *   <li>everything else that has no honest Java shape (aliases of primitives, maps, ambiguous unions)
 *       is inlined as String/Long/Map/JsonNode where it is used.
 * </ul>
 *
 * This class names the types and maps schemas to Java types ({@link #typeOf}, {@link #map}); the types
 * themselves are built by {@link RecordEmitter}, {@link EnumEmitter} and {@link UnionEmitter}, and
 * {@link SchemaShapes} tells the kinds apart.
 */
final class TypeEmitter {
    static final String TYPES_PACKAGE = "dev.codex4j.appserver.protocol.types";
    static final String PROTOCOL_PACKAGE = "dev.codex4j.appserver.protocol";
    private static final String ANNOTATION = "com.fasterxml.jackson.annotation";
    private static final String DATABIND = "com.fasterxml.jackson.databind";
    private static final ClassName LIST = ClassName.get(List.class);

    static final ClassName JSON_NODE = ClassName.get(DATABIND, "JsonNode");
    static final ClassName EXPERIMENTAL = ClassName.get(PROTOCOL_PACKAGE, "Experimental");
    static final ClassName UNKNOWN_VARIANT = ClassName.get(PROTOCOL_PACKAGE, "UnknownVariant");
    static final ClassName THREAD_SCOPED = ClassName.get(PROTOCOL_PACKAGE, "ThreadScoped");
    static final ClassName TURN_SCOPED = ClassName.get(PROTOCOL_PACKAGE, "TurnScoped");
    // shared by the record, enum and union emitters
    static final ClassName JSON_PROPERTY = ClassName.get(ANNOTATION, "JsonProperty");
    static final ClassName JSON_IGNORE_PROPERTIES = ClassName.get(ANNOTATION, "JsonIgnoreProperties");
    static final ClassName JSON_VALUE = ClassName.get(ANNOTATION, "JsonValue");
    static final ClassName JSON_CREATOR = ClassName.get(ANNOTATION, "JsonCreator");
    static final ClassName JSON_DESERIALIZE = ClassName.get(DATABIND + ".annotation", "JsonDeserialize");
    static final ClassName JSON_DESERIALIZER = ClassName.get(DATABIND, "JsonDeserializer");
    static final ClassName MAP = ClassName.get(Map.class);
    static final ClassName STRING = ClassName.get(String.class);

    /** How a definition is represented in Java. */
    enum Kind {
        RECORD,
        ENUM,
        TAGGED_UNION,
        EXTERNAL_UNION,
        KIND_UNION,
        /** No type of its own: references map straight to a String/Long/Map/JsonNode/other type. */
        ALIAS,
        /** Handled elsewhere (the JSON-RPC method unions become the catalog). */
        SKIP
    }

    /** A mapped schema: the boxed Java type and whether null is a legal value. */
    record Mapped(TypeName type, boolean nullable) {}

    /** Where inline (anonymous) object and enum types are nested. */
    record Scope(ClassName owner, TypeSpec.Builder builder, Set<String> usedNames) {
        ClassName nest(String base) {
            return owner.nestedClass(Names.unique(base, usedNames));
        }
    }

    private final SchemaIndex index;
    private final Set<String> skipped;
    private final RecordEmitter records;
    private final UnionEmitter unions;
    private final Map<String, Kind> kinds = new HashMap<>();
    private final Map<String, String> classNames = new HashMap<>();
    private final Map<String, Mapped> aliasCache = new HashMap<>();
    private final Set<String> aliasInProgress = new HashSet<>();
    private final Map<String, TypeSpec> emitted = new TreeMap<>();
    private final Map<String, String> generatedFrom = new TreeMap<>();

    /**
     * @param scopedRefs message params whose {@code threadId}/{@code turnId} string components make them
     *     implement {@code ThreadScoped}/{@code TurnScoped}
     */
    TypeEmitter(SchemaIndex index, Set<String> skippedRefs, Set<String> builderRefs, Set<String> scopedRefs) {
        this.index = index;
        this.skipped = skippedRefs;
        this.records = new RecordEmitter(this, builderRefs, scopedRefs);
        this.unions = new UnionEmitter(this, records);
        assignNames();
    }

    /** Emits every definition that has a type of its own; returns simple name → type, sorted. */
    Map<String, TypeSpec> emitAll() {
        for (Definition def : index.definitions()) {
            Kind kind = kinds.get(def.ref());
            String simpleName = classNames.get(def.ref());
            if (simpleName == null || generatedFrom.containsKey(simpleName)) {
                continue; // an alias, or the second of two identical definitions (v1/v2 duplicates)
            }
            ClassName cn = ClassName.get(TYPES_PACKAGE, simpleName);
            TypeSpec spec = switch (kind) {
                case RECORD -> records.record(cn, def).build();
                case ENUM -> EnumEmitter.enumType(cn, def.schema(), definitionDoc(def), def.experimentalOnly()).build();
                case TAGGED_UNION -> unions.taggedUnion(cn, def);
                case EXTERNAL_UNION -> unions.externalUnion(cn, def);
                case KIND_UNION -> unions.kindUnion(cn, def);
                default -> throw new IllegalStateException(kind + " " + def.ref());
            };
            emitted.put(simpleName, spec);
            generatedFrom.put(simpleName, def.ref());
        }
        return emitted;
    }

    /** The Java type references to {@code ref} map to (boxed). */
    Mapped typeOf(String ref) {
        String simpleName = classNames.get(ref);
        if (simpleName != null) {
            return new Mapped(ClassName.get(TYPES_PACKAGE, simpleName), false);
        }
        if (kinds.get(ref) == Kind.SKIP) {
            throw new IllegalStateException("no Java type for " + ref);
        }
        Mapped cached = aliasCache.get(ref);
        if (cached != null) {
            return cached;
        }
        if (!aliasInProgress.add(ref)) {
            return new Mapped(JSON_NODE, true); // a recursive alias: give up honestly
        }
        Definition def = index.resolve(ref);
        Mapped mapped = map(def.schema(), def.stable(), null, def.name());
        aliasInProgress.remove(ref);
        aliasCache.put(ref, mapped);
        return mapped;
    }

    Kind kindOf(String ref) {
        return kinds.get(ref);
    }

    /** The components of the top-level record {@code type}, or an empty list if it is not one (after {@link #emitAll}). */
    List<ParameterSpec> componentsOf(TypeName type) {
        return type instanceof ClassName cn && cn.packageName().equals(TYPES_PACKAGE) && cn.enclosingClassName() == null
                ? records.componentsOf(cn.simpleName()) : List.of();
    }

    /** Whether {@code components} has a {@code String} component of that name. */
    static boolean hasStringComponent(List<ParameterSpec> components, String name) {
        return components.stream().anyMatch(c -> c.name().equals(name) && c.type().equals(STRING));
    }

    // ---------------------------------------------------------------- names

    private void assignNames() {
        Map<String, List<Definition>> byName = new TreeMap<>();
        for (Definition def : index.definitions()) {
            Kind kind = skipped.contains(def.ref()) ? Kind.SKIP : classify(def.schema());
            kinds.put(def.ref(), kind);
            if (kind != Kind.ALIAS && kind != Kind.SKIP) {
                byName.computeIfAbsent(def.name(), n -> new ArrayList<>()).add(def);
            }
        }
        Map<String, String> schemaNameOf = new HashMap<>(); // Java name → schema name, to catch clashes
        for (List<Definition> sameName : byName.values()) {
            Definition first = sameName.get(0);
            for (Definition def : sameName) {
                // v1 (top-level) and v2 definitions with the same name: identical ones share one type,
                // different ones keep the v2 name and the top-level one gets a "V1" prefix.
                boolean identical = normalized(def.schema()).equals(normalized(first.schema()));
                boolean isV2 = def.namespace().equals("v2");
                String javaName = Names.typeName(def.name());
                String name = identical || isV2 || sameName.size() == 1 ? javaName : "V1" + javaName;
                String clash = schemaNameOf.putIfAbsent(name, def.name());
                if (clash != null && !clash.equals(def.name())) {
                    throw new IllegalStateException("schema definitions " + clash + " and " + def.name()
                            + " both map to the Java type " + name);
                }
                classNames.put(def.ref(), name);
            }
        }
    }

    private static JsonNode normalized(JsonNode schema) {
        ObjectNode copy = schema.deepCopy();
        copy.remove(List.of("$schema", "title", "description"));
        return copy;
    }

    // ---------------------------------------------------------------- schema → Java type

    /**
     * Maps a property/items/additionalProperties schema. Inline objects and enums become nested types of
     * {@code scope} named after {@code hint}.
     */
    Mapped map(JsonNode s, JsonNode stable, Scope scope, String hint) {
        if (s == null || s.isBoolean() || s.isEmpty()) {
            return new Mapped(JSON_NODE, true);
        }
        if (s.has("$ref")) {
            return typeOf(s.get("$ref").asText());
        }
        if (s.has("allOf") && s.get("allOf").size() == 1) {
            return map(s.get("allOf").get(0), child(stable, "allOf", 0), scope, hint);
        }
        JsonNode branches = s.has("anyOf") ? s.get("anyOf") : s.get("oneOf");
        if (branches != null && !s.has("properties")) {
            List<JsonNode> nonNull = nonNull(branches);
            boolean nullable = nonNull.size() < branches.size();
            if (nonNull.size() == 1) {
                Mapped inner = map(nonNull.get(0), null, scope, hint);
                return new Mapped(inner.type(), nullable || inner.nullable());
            }
            return new Mapped(JSON_NODE, true); // an anonymous union: keep the JSON
        }
        boolean nullable = false;
        String type = null;
        JsonNode typeNode = s.get("type");
        if (typeNode != null && typeNode.isArray()) {
            List<String> types = new ArrayList<>();
            typeNode.forEach(t -> types.add(t.asText()));
            nullable = types.remove("null");
            if (types.size() != 1) {
                return new Mapped(JSON_NODE, true);
            }
            type = types.get(0);
        } else if (typeNode != null) {
            type = typeNode.asText();
        }
        if (type == null) {
            return new Mapped(JSON_NODE, true);
        }
        if (s.has("enum") && type.equals("string")) {
            if (scope == null) {
                return new Mapped(STRING, nullable);
            }
            ClassName cn = scope.nest(Names.pascal(hint));
            scope.builder().addType(EnumEmitter.enumType(cn, s, null, false).addModifiers(Modifier.STATIC).build());
            return new Mapped(cn, nullable);
        }
        return switch (type) {
            case "string" -> new Mapped(STRING, nullable);
            case "integer" -> new Mapped(integerType(s.path("format").asText()), nullable);
            case "number" -> new Mapped(TypeName.DOUBLE.box(), nullable);
            case "boolean" -> new Mapped(TypeName.BOOLEAN.box(), nullable);
            case "null" -> new Mapped(ClassName.get(Void.class), true);
            case "array" -> {
                Mapped item = map(s.get("items"), child(stable, "items"), scope, hint + "Item");
                yield new Mapped(ParameterizedTypeName.get(LIST, item.type()), nullable);
            }
            case "object" -> {
                if (s.has("properties") && s.get("properties").size() > 0) {
                    if (scope == null) {
                        yield new Mapped(JSON_NODE, true);
                    }
                    ClassName cn = scope.nest(Names.pascal(hint));
                    TypeSpec nested = records.recordBuilder(cn, RecordEmitter.props(s, stable, null, null, null),
                                    stable != null, isOpen(s), docOf(s), false, false)
                            .addModifiers(Modifier.STATIC)
                            .build();
                    scope.builder().addType(nested);
                    yield new Mapped(cn, nullable);
                }
                JsonNode additional = s.get("additionalProperties");
                TypeName value = additional != null && additional.isObject() && !additional.isEmpty()
                        ? map(additional, child(stable, "additionalProperties"), scope, hint + "Value").type()
                        : JSON_NODE;
                yield new Mapped(ParameterizedTypeName.get(MAP, STRING, value), nullable);
            }
            default -> new Mapped(JSON_NODE, true);
        };
    }

    /**
     * Integers: 64-bit and unsigned 32-bit formats (and no format) → long, so no value can overflow;
     * the small signed/unsigned formats → int. uint64 values above Long.MAX_VALUE are not expected.
     */
    private static TypeName integerType(String format) {
        return switch (format) {
            case "int32", "int16", "int8", "uint16", "uint8" -> TypeName.INT.box();
            default -> TypeName.LONG.box();
        };
    }


    // ---------------------------------------------------------------- docs

    static CodeBlock docOf(JsonNode s) {
        String description = s == null ? "" : s.path("description").asText("");
        return description.isEmpty() ? null : CodeBlock.of("$L", Names.javadoc(description));
    }

    /** The description of a named definition, plus the schema's name when the Java type is renamed. */
    static CodeBlock definitionDoc(Definition def) {
        CodeBlock doc = docOf(def.schema());
        if (!Names.isRenamed(def.name())) {
            return doc;
        }
        CodeBlock note = CodeBlock.of("The schema calls this type {@code $L}; the Java name differs so that it does "
                + "not shadow {@code java.lang.$L}.", def.name(), def.name());
        return doc == null ? note : CodeBlock.builder().add(doc).add("\n\n").add(note).build();
    }

    Set<String> emittedNames() {
        return new LinkedHashSet<>(emitted.keySet());
    }
}