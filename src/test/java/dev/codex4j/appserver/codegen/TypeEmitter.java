package dev.codex4j.appserver.codegen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.codex4j.appserver.codegen.SchemaIndex.Definition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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
 */
final class TypeEmitter {
    static final String TYPES_PACKAGE = "dev.codex4j.appserver.protocol.types";
    static final String PROTOCOL_PACKAGE = "dev.codex4j.appserver.protocol";
    private static final String ANNOTATION = "com.fasterxml.jackson.annotation";
    private static final String DATABIND = "com.fasterxml.jackson.databind";

    static final ClassName JSON_NODE = ClassName.get(DATABIND, "JsonNode");
    static final ClassName EXPERIMENTAL = ClassName.get(PROTOCOL_PACKAGE, "Experimental");
    static final ClassName UNKNOWN_VARIANT = ClassName.get(PROTOCOL_PACKAGE, "UnknownVariant");
    static final ClassName THREAD_SCOPED = ClassName.get(PROTOCOL_PACKAGE, "ThreadScoped");
    static final ClassName TURN_SCOPED = ClassName.get(PROTOCOL_PACKAGE, "TurnScoped");
    private static final ClassName JSON_PROPERTY = ClassName.get(ANNOTATION, "JsonProperty");
    private static final ClassName JSON_INCLUDE = ClassName.get(ANNOTATION, "JsonInclude");
    private static final ClassName JSON_IGNORE_PROPERTIES = ClassName.get(ANNOTATION, "JsonIgnoreProperties");
    private static final ClassName JSON_VALUE = ClassName.get(ANNOTATION, "JsonValue");
    private static final ClassName JSON_CREATOR = ClassName.get(ANNOTATION, "JsonCreator");
    private static final ClassName JSON_ANY_SETTER = ClassName.get(ANNOTATION, "JsonAnySetter");
    private static final ClassName JSON_ANY_GETTER = ClassName.get(ANNOTATION, "JsonAnyGetter");
    private static final ClassName JSON_DESERIALIZE = ClassName.get(DATABIND + ".annotation", "JsonDeserialize");
    private static final ClassName JSON_DESERIALIZER = ClassName.get(DATABIND, "JsonDeserializer");
    private static final String SUPPORT = PROTOCOL_PACKAGE + ".support";
    private static final ClassName TAGGED_DESERIALIZER = ClassName.get(SUPPORT, "TaggedUnionDeserializer");
    private static final ClassName EXTERNAL_DESERIALIZER = ClassName.get(SUPPORT, "ExternallyTaggedUnionDeserializer");
    private static final ClassName KIND_DESERIALIZER = ClassName.get(SUPPORT, "JsonKindUnionDeserializer");
    private static final ClassName JSON_KIND = KIND_DESERIALIZER.nestedClass("JsonKind");
    private static final ClassName LIST = ClassName.get(List.class);
    private static final ClassName MAP = ClassName.get(Map.class);
    private static final ClassName STRING = ClassName.get(String.class);

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
    private record Scope(ClassName owner, TypeSpec.Builder builder, Set<String> usedNames) {
        ClassName nest(String base) {
            return owner.nestedClass(Names.unique(base, usedNames));
        }
    }

    /** One property of an object type, with its stable-schema counterpart (null if experimental-only). */
    private record Prop(String wire, JsonNode schema, JsonNode stable, boolean required) {}

    private final SchemaIndex index;
    private final Set<String> skipped;
    private final Set<String> builderRefs;
    private final Set<String> scopedRefs;
    /** The components of every top-level record, by simple name: the catalog reads ids out of params. */
    private final Map<String, List<ParameterSpec>> recordComponents = new HashMap<>();
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
        this.builderRefs = builderRefs;
        this.scopedRefs = scopedRefs;
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
                case RECORD -> record(cn, def).build();
                case ENUM -> enumType(cn, def.schema(), definitionDoc(def), def.experimentalOnly()).build();
                case TAGGED_UNION -> taggedUnion(cn, def);
                case EXTERNAL_UNION -> externalUnion(cn, def);
                case KIND_UNION -> kindUnion(cn, def);
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
                ? recordComponents.getOrDefault(cn.simpleName(), List.of()) : List.of();
    }

    /** Whether {@code components} has a {@code String} component of that name. */
    static boolean hasStringComponent(List<ParameterSpec> components, String name) {
        return components.stream().anyMatch(c -> c.name().equals(name) && c.type().equals(STRING));
    }

    // ---------------------------------------------------------------- classification and names

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

    private static List<JsonNode> nonNull(JsonNode branches) {
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

    private static boolean isSingleKeyObject(JsonNode b) {
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
    private static List<String> jsonKinds(List<JsonNode> branches) {
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

    // ---------------------------------------------------------------- schema → Java type

    /**
     * Maps a property/items/additionalProperties schema. Inline objects and enums become nested types of
     * {@code scope} named after {@code hint}.
     */
    private Mapped map(JsonNode s, JsonNode stable, Scope scope, String hint) {
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
            scope.builder().addType(enumType(cn, s, null, false).addModifiers(Modifier.STATIC).build());
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
                    TypeSpec nested = recordBuilder(cn, props(s, stable, null, null, null), stable != null,
                                    isOpen(s), docOf(s), false, false)
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

    private static JsonNode child(JsonNode node, String field) {
        return node == null ? null : node.get(field);
    }

    private static JsonNode child(JsonNode node, String field, int i) {
        JsonNode array = child(node, field);
        return array == null ? null : array.get(i);
    }

    private static boolean isOpen(JsonNode s) {
        return s.path("additionalProperties").isBoolean() && s.get("additionalProperties").asBoolean();
    }

    // ---------------------------------------------------------------- records

    private static List<Prop> props(JsonNode s, JsonNode stable, JsonNode shared, JsonNode sharedStable, String skip) {
        List<Prop> out = new ArrayList<>();
        for (JsonNode[] part : new JsonNode[][] {{shared, sharedStable}, {s, stable}}) {
            JsonNode schema = part[0];
            if (schema == null || !schema.has("properties")) {
                continue;
            }
            Set<String> required = new HashSet<>();
            schema.path("required").forEach(r -> required.add(r.asText()));
            for (Map.Entry<String, JsonNode> e : schema.get("properties").properties()) {
                if (e.getKey().equals(skip)) {
                    continue;
                }
                JsonNode stableProp = part[1] == null ? null : part[1].path("properties").get(e.getKey());
                out.add(new Prop(e.getKey(), e.getValue(), stableProp, required.contains(e.getKey())));
            }
        }
        addAlternativeProps(s, stable, skip, out);
        return out;
    }

    /**
     * An object may also say "and one of these shapes" ({@code anyOf} of objects, e.g. an image given by
     * {@code url} or by {@code fileId}). Each alternative's properties become optional components, so no
     * data is dropped; which ones are set tells the alternative.
     */
    private static void addAlternativeProps(JsonNode s, JsonNode stable, String skip, List<Prop> out) {
        if (s == null || !s.path("anyOf").isArray()) {
            return;
        }
        Set<String> seen = new HashSet<>();
        out.forEach(p -> seen.add(p.wire()));
        for (JsonNode alternative : s.get("anyOf")) {
            if (!alternative.has("properties")) {
                continue;
            }
            for (Map.Entry<String, JsonNode> e : alternative.get("properties").properties()) {
                if (e.getKey().equals(skip) || !seen.add(e.getKey())) {
                    continue;
                }
                out.add(new Prop(e.getKey(), e.getValue(), stableAlternativeProp(stable, e.getKey()), false));
            }
        }
    }

    private static JsonNode stableAlternativeProp(JsonNode stable, String name) {
        if (stable == null || !stable.path("anyOf").isArray()) {
            return null;
        }
        for (JsonNode alternative : stable.get("anyOf")) {
            JsonNode prop = alternative.path("properties").get(name);
            if (prop != null) {
                return prop;
            }
        }
        return null;
    }

    private TypeSpec.Builder record(ClassName cn, Definition def) {
        JsonNode s = def.schema();
        List<ParameterSpec> components = new ArrayList<>();
        TypeSpec.Builder b = recordBuilder(cn, props(s, def.stable(), null, null, null), def.stable() != null,
                isOpen(s), definitionDoc(def), builderRefs.contains(def.ref()), false, components);
        recordComponents.put(cn.simpleName(), List.copyOf(components));
        if (scopedRefs.contains(def.ref())) {
            if (hasStringComponent(components, "threadId")) {
                b.addSuperinterface(THREAD_SCOPED);
            }
            if (hasStringComponent(components, "turnId")) {
                b.addSuperinterface(TURN_SCOPED);
            }
        }
        if (def.experimentalOnly()) {
            b.addAnnotation(EXPERIMENTAL);
        }
        return b;
    }

    /**
     * A record with one component per property, in schema order. Optional (not required) and nullable
     * properties are nullable components; required non-nullable numbers and booleans are primitives.
     */
    private TypeSpec.Builder recordBuilder(
            ClassName cn, List<Prop> props, boolean stableKnown, boolean open, CodeBlock doc,
            boolean withBuilder, boolean unionVariant) {
        return recordBuilder(cn, props, stableKnown, open, doc, withBuilder, unionVariant, new ArrayList<>());
    }

    /** As above; also hands back the components in {@code components}. */
    private TypeSpec.Builder recordBuilder(
            ClassName cn, List<Prop> props, boolean stableKnown, boolean open, CodeBlock doc,
            boolean withBuilder, boolean unionVariant, List<ParameterSpec> components) {
        TypeSpec.Builder b = TypeSpec.recordBuilder(cn).addModifiers(Modifier.PUBLIC);
        Set<String> nestedNames = new HashSet<>(List.of(cn.simpleNames().toArray(new String[0])));
        nestedNames.add("Builder");
        Scope scope = new Scope(cn, b, nestedNames);
        Set<String> componentNames = new HashSet<>(Set.of("builder"));
        MethodSpec.Builder ctor = MethodSpec.constructorBuilder();
        CodeBlock.Builder javadoc = CodeBlock.builder();
        List<CodeBlock> paramDocs = new ArrayList<>();
        for (Prop p : props) {
            String javaName = Names.unique(Names.camel(p.wire()), componentNames);
            Mapped m = map(p.schema(), p.stable(), scope, p.wire());
            boolean nullable = m.nullable() || !p.required();
            TypeName type = !nullable && m.type().isBoxedPrimitive() ? m.type().unbox() : m.type();
            ParameterSpec.Builder param = ParameterSpec.builder(type, javaName);
            if (!javaName.equals(p.wire())) {
                param.addAnnotation(AnnotationSpec.builder(JSON_PROPERTY).addMember("value", "$S", p.wire()).build());
            }
            if (p.required() && m.nullable()) {
                // required but nullable on the wire: the server expects the key, so write null
                param.addAnnotation(AnnotationSpec.builder(JSON_INCLUDE)
                        .addMember("value", "$T.Include.ALWAYS", JSON_INCLUDE).build());
            }
            if (stableKnown && p.stable() == null) {
                param.addAnnotation(EXPERIMENTAL);
            }
            String description = p.schema().path("description").asText("");
            if (!description.isEmpty()) {
                paramDocs.add(CodeBlock.of("@param $L $L", javaName, Names.javadoc(description)));
            }
            components.add(param.build());
        }
        if (open) {
            // additionalProperties: true — keep keys the schema does not name instead of dropping them
            String javaName = Names.unique("additionalProperties", componentNames);
            TypeName mapType = ParameterizedTypeName.get(MAP, STRING, JSON_NODE);
            components.add(ParameterSpec.builder(mapType, javaName).addAnnotation(JSON_ANY_SETTER).build());
            b.addMethod(MethodSpec.methodBuilder(javaName)
                    .addModifiers(Modifier.PUBLIC)
                    .addAnnotation(JSON_ANY_GETTER)
                    .returns(mapType)
                    .addStatement("return $L", javaName)
                    .build());
            paramDocs.add(CodeBlock.of("@param $L properties the schema does not name (it allows any)", javaName));
        }
        if (doc != null) {
            javadoc.add(doc);
        }
        if (!paramDocs.isEmpty()) {
            javadoc.add(doc != null ? "\n\n" : "").add(CodeBlock.join(paramDocs, "\n"));
        }
        ctor.addParameters(components);
        b.recordConstructor(ctor.build());
        addMaskingToString(cn, b, props, components);
        b.addAnnotation(AnnotationSpec.builder(JSON_IGNORE_PROPERTIES).addMember("ignoreUnknown", "true").build());
        b.addAnnotation(AnnotationSpec.builder(JSON_INCLUDE)
                .addMember("value", "$T.Include.NON_NULL", JSON_INCLUDE).build());
        if (unionVariant) {
            b.addAnnotation(AnnotationSpec.builder(JSON_DESERIALIZE)
                    .addMember("using", "$T.None.class", JSON_DESERIALIZER).build());
        }
        CodeBlock built = javadoc.build();
        if (!built.isEmpty()) {
            b.addJavadoc(built);
        }
        if (withBuilder && components.size() >= 2) {
            addBuilder(cn, b, components);
        }
        return b;
    }

    /**
     * A {@code toString} like the record's own but with {@code ***} for credentials ({@link Names#isSecret}),
     * for the records that hold one; the others keep the record's.
     */
    private static void addMaskingToString(ClassName cn, TypeSpec.Builder b, List<Prop> props,
            List<ParameterSpec> components) {
        List<Boolean> secret = new ArrayList<>();
        for (int i = 0; i < components.size(); i++) { // a String credential, not a flag such as refreshToken
            secret.add(i < props.size() && Names.isSecret(props.get(i).wire()) && components.get(i).type().equals(STRING));
        }
        if (!secret.contains(true)) {
            return;
        }
        CodeBlock.Builder text = CodeBlock.builder().add("return $S", cn.simpleName() + "[");
        for (int i = 0; i < components.size(); i++) {
            String name = components.get(i).name();
            text.add(" + $S + ", (i == 0 ? "" : ", ") + name + "=");
            text.add(secret.get(i) ? "($L == null ? \"null\" : \"***\")" : "$L", name);
        }
        text.add(" + $S", "]");
        b.addMethod(MethodSpec.methodBuilder("toString")
                .addAnnotation(Override.class)
                .addModifiers(Modifier.PUBLIC)
                .returns(STRING)
                .addStatement(text.build())
                .addJavadoc("Masks the credentials it holds.")
                .build());
    }

    /** A fluent builder, for the params types clients construct (many optional components). */
    private static void addBuilder(ClassName cn, TypeSpec.Builder record, List<ParameterSpec> components) {
        ClassName builderName = cn.nestedClass("Builder");
        TypeSpec.Builder builder = TypeSpec.classBuilder(builderName)
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                .addJavadoc("Builder of {@link $T}; unset components stay null.", cn)
                .addMethod(MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE).build());
        List<String> args = new ArrayList<>();
        for (ParameterSpec c : components) {
            builder.addField(FieldSpec.builder(c.type(), c.name(), Modifier.PRIVATE).build());
            builder.addMethod(MethodSpec.methodBuilder(c.name())
                    .addModifiers(Modifier.PUBLIC)
                    .returns(builderName)
                    .addParameter(c.type(), c.name())
                    .addStatement("this.$N = $N", c.name(), c.name())
                    .addStatement("return this")
                    .build());
            args.add(c.name());
        }
        builder.addMethod(MethodSpec.methodBuilder("build")
                .addModifiers(Modifier.PUBLIC)
                .returns(cn)
                .addStatement("return new $T($L)", cn, String.join(", ", args))
                .build());
        record.addType(builder.build());
        record.addMethod(MethodSpec.methodBuilder("builder")
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .returns(builderName)
                .addStatement("return new $T()", builderName)
                .build());
    }

    // ---------------------------------------------------------------- enums

    /** A string enum; also a {@code oneOf} whose branches are all string enums (one doc per branch). */
    private TypeSpec.Builder enumType(ClassName cn, JsonNode s, CodeBlock doc, boolean experimental) {
        TypeSpec.Builder b = TypeSpec.enumBuilder(cn).addModifiers(Modifier.PUBLIC);
        if (doc != null) {
            b.addJavadoc(doc);
        }
        if (experimental) {
            b.addAnnotation(EXPERIMENTAL);
        }
        Map<String, String> values = new LinkedHashMap<>(); // wire → description
        if (s.has("enum")) {
            s.get("enum").forEach(v -> values.put(v.asText(), ""));
        } else {
            JsonNode branches = s.has("oneOf") ? s.get("oneOf") : s.get("anyOf");
            for (JsonNode branch : nonNull(branches)) {
                branch.get("enum").forEach(v -> values.put(v.asText(), branch.path("description").asText("")));
            }
        }
        Set<String> used = new HashSet<>(Set.of("UNRECOGNIZED"));
        values.forEach((wire, description) -> {
            TypeSpec.Builder constant = TypeSpec.anonymousClassBuilder("$S", wire);
            if (!description.isEmpty()) {
                constant.addJavadoc("$L", Names.javadoc(description));
            }
            b.addEnumConstant(Names.unique(Names.constant(wire), used), constant.build());
        });
        b.addEnumConstant("UNRECOGNIZED", TypeSpec.anonymousClassBuilder("null")
                .addJavadoc("A value this version of the protocol does not know (sent by a newer server). It "
                        + "cannot carry the original string and is written back as JSON null.")
                .build());
        b.addField(STRING, "wireValue", Modifier.PRIVATE, Modifier.FINAL);
        b.addMethod(MethodSpec.constructorBuilder()
                .addParameter(STRING, "wireValue")
                .addStatement("this.wireValue = wireValue")
                .build());
        b.addMethod(MethodSpec.methodBuilder("wireValue")
                .addJavadoc("The value on the wire; null for {@link #UNRECOGNIZED}.")
                .addModifiers(Modifier.PUBLIC)
                .addAnnotation(JSON_VALUE)
                .returns(STRING)
                .addStatement("return wireValue")
                .build());
        b.addMethod(MethodSpec.methodBuilder("fromWireValue")
                .addJavadoc("The constant for {@code value}, or {@link #UNRECOGNIZED}; null for null.")
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .addAnnotation(JSON_CREATOR)
                .returns(cn)
                .addParameter(STRING, "value")
                .beginControlFlow("if (value == null)")
                .addStatement("return null")
                .endControlFlow()
                .beginControlFlow("for ($T constant : values())", cn)
                .beginControlFlow("if (value.equals(constant.wireValue))")
                .addStatement("return constant")
                .endControlFlow()
                .endControlFlow()
                .addStatement("return UNRECOGNIZED")
                .build());
        return b;
    }

    // ---------------------------------------------------------------- unions

    private TypeSpec.Builder unionInterface(ClassName cn, Definition def, String deserializerDoc) {
        TypeSpec.Builder b = TypeSpec.interfaceBuilder(cn).addModifiers(Modifier.PUBLIC, Modifier.SEALED);
        CodeBlock doc = definitionDoc(def);
        CodeBlock.Builder javadoc = CodeBlock.builder();
        if (doc != null) {
            javadoc.add(doc).add("\n\n");
        }
        javadoc.add("$L", deserializerDoc);
        b.addJavadoc(javadoc.build());
        b.addAnnotation(AnnotationSpec.builder(JSON_DESERIALIZE)
                .addMember("using", "$T.class", cn.nestedClass("Deserializer")).build());
        if (def.experimentalOnly()) {
            b.addAnnotation(EXPERIMENTAL);
        }
        return b;
    }

    /**
     * {@code Outer.Variant}: inside a union's Deserializer a bare simple name could resolve to a class
     * inherited from Jackson's deserializer hierarchy (e.g. {@code JsonDeserializer.None}).
     */
    private static String qualified(ClassName cn) {
        return String.join(".", cn.simpleNames());
    }

    private static String unknownName(ClassName cn) {
        return "Unknown" + cn.simpleName();
    }

    /** {@code record UnknownX(JsonNode raw)}: keeps and re-emits the JSON of a variant we do not know. */
    private static TypeSpec.Builder unknownVariant(ClassName cn) {
        return TypeSpec.recordBuilder(cn.nestedClass(unknownName(cn)))
                .addModifiers(Modifier.PUBLIC)
                .addSuperinterface(cn)
                .addSuperinterface(UNKNOWN_VARIANT)
                .addJavadoc("A variant this version of the protocol does not know (sent by a newer server); "
                        + "{@code raw} is its JSON, written back unchanged.")
                .recordConstructor(MethodSpec.constructorBuilder().addParameter(JSON_NODE, "raw").build())
                .addMethod(MethodSpec.methodBuilder("raw")
                        .addModifiers(Modifier.PUBLIC)
                        .addAnnotation(Override.class)
                        .addAnnotation(JSON_VALUE)
                        .returns(JSON_NODE)
                        .addStatement("return raw")
                        .build());
    }

    private static TypeSpec deserializer(ClassName cn, ClassName base, CodeBlock superArgs) {
        return TypeSpec.classBuilder("Deserializer")
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                .superclass(ParameterizedTypeName.get(base, cn))
                .addJavadoc("Picks the variant; used by Jackson through {@code @JsonDeserialize}.")
                .addField(FieldSpec.builder(TypeName.LONG, "serialVersionUID", Modifier.PRIVATE, Modifier.STATIC,
                                Modifier.FINAL).initializer("1L").build())
                .addMethod(MethodSpec.constructorBuilder()
                        .addModifiers(Modifier.PUBLIC)
                        .addStatement("super($L)", superArgs)
                        .build())
                .build();
    }

    private static CodeBlock mapOf(TypeName key, TypeName value, List<CodeBlock> entries) {
        CodeBlock.Builder b = CodeBlock.builder().add("$T.<$T, $T>ofEntries(", MAP, key, value);
        for (int i = 0; i < entries.size(); i++) {
            b.add(i == 0 ? "\n$>$>" : ",\n").add("$T.entry($L)", MAP, entries.get(i));
        }
        return b.add(entries.isEmpty() ? ")" : "$<$<)").build();
    }

    /**
     * Variant name: from the discriminator value; on a clash from the schema title (minus the union's
     * schema name, {@code unionName}, as a suffix); else numbered.
     */
    private static String variantName(String tagValue, JsonNode branch, String unionName, Set<String> used) {
        String name = Names.pascal(tagValue);
        if (used.contains(name) && branch.has("title")) {
            String title = branch.get("title").asText();
            int v2 = title.indexOf("v2::");
            title = v2 > 0 ? title.substring(0, v2) : title;
            title = title.endsWith(unionName) && title.length() > unionName.length()
                    ? title.substring(0, title.length() - unionName.length()) : title;
            name = Names.pascal(title);
        }
        return Names.unique(name, used);
    }

    private TypeSpec taggedUnion(ClassName cn, Definition def) {
        JsonNode s = def.schema();
        List<JsonNode> branches = nonNull(s.has("oneOf") ? s.get("oneOf") : s.get("anyOf"));
        String tag = discriminator(branches);
        String tagAccessor = Names.camel(tag);
        TypeSpec.Builder b = unionInterface(cn, def, "Tagged by {@code \"" + tag + "\"}; a tag this version does "
                + "not know decodes to {@link " + unknownName(cn) + "}.");
        b.addMethod(MethodSpec.methodBuilder(tagAccessor)
                .addModifiers(Modifier.PUBLIC, Modifier.ABSTRACT)
                .addAnnotation(AnnotationSpec.builder(JSON_PROPERTY).addMember("value", "$S", tag).build())
                .addJavadoc("The {@code $L} discriminator of this variant.", tag)
                .returns(STRING)
                .build());
        Map<String, JsonNode> stableBranches = new HashMap<>();
        if (def.stable() != null) {
            for (JsonNode sb : nonNull(def.stable().has("oneOf") ? def.stable().get("oneOf") : def.stable().get("anyOf"))) {
                stableBranches.put(sb.path("properties").path(tag).path("enum").path(0).asText(), sb);
            }
        }
        Set<String> used = new HashSet<>(Set.of(cn.simpleName(), "Deserializer", unknownName(cn)));
        List<CodeBlock> entries = new ArrayList<>();
        for (JsonNode branch : branches) {
            String tagValue = branch.get("properties").get(tag).get("enum").get(0).asText();
            ClassName vcn = cn.nestedClass(variantName(tagValue, branch, def.name(), used));
            JsonNode stableBranch = stableBranches.get(tagValue);
            boolean stableKnown = def.stable() != null && stableBranch != null;
            TypeSpec.Builder variant = recordBuilder(vcn,
                    props(branch, stableBranch, s, stableKnown ? def.stable() : null, tag),
                    stableKnown, isOpen(branch), docOf(branch), false, true);
            variant.addSuperinterface(cn);
            variant.addMethod(MethodSpec.methodBuilder(tagAccessor)
                    .addAnnotation(Override.class)
                    .addModifiers(Modifier.PUBLIC)
                    .returns(STRING)
                    .addStatement("return $S", tagValue)
                    .build());
            if (def.stable() != null && stableBranch == null) {
                variant.addAnnotation(EXPERIMENTAL);
            }
            b.addType(variant.addModifiers(Modifier.STATIC).build());
            entries.add(CodeBlock.of("$S, $L.class", tagValue, qualified(vcn)));
        }
        ClassName unknown = cn.nestedClass(unknownName(cn));
        b.addType(unknownVariant(cn)
                .addMethod(MethodSpec.methodBuilder(tagAccessor)
                        .addAnnotation(Override.class)
                        .addModifiers(Modifier.PUBLIC)
                        .returns(STRING)
                        .addStatement("$T tag = raw.get($S)", JSON_NODE, tag)
                        .addStatement("return tag != null && tag.isTextual() ? tag.textValue() : null")
                        .build())
                .addModifiers(Modifier.STATIC)
                .build());
        TypeName classOfVariant = ParameterizedTypeName.get(ClassName.get(Class.class),
                com.palantir.javapoet.WildcardTypeName.subtypeOf(cn));
        b.addType(deserializer(cn, TAGGED_DESERIALIZER, CodeBlock.of("$T.class, $S, $L, $L::new",
                cn, tag, mapOf(STRING, classOfVariant, entries), qualified(unknown))));
        return b.build();
    }

    private TypeSpec externalUnion(ClassName cn, Definition def) {
        JsonNode s = def.schema();
        List<JsonNode> branches = nonNull(s.has("oneOf") ? s.get("oneOf") : s.get("anyOf"));
        TypeSpec.Builder b = unionInterface(cn, def, "A plain string for the simple cases (the constants, e.g. "
                + "{@code " + cn.simpleName() + ".SOME_CASE}, of {@link Constant}) or a single-key object for the "
                + "cases with data (the records); anything else decodes to {@link " + unknownName(cn) + "}.");
        ClassName constantEnum = cn.nestedClass("Constant");
        TypeSpec.Builder enumBuilder = enumLike(constantEnum, cn);
        Set<String> constantNames = new HashSet<>();
        Set<String> used = new HashSet<>(Set.of(cn.simpleName(), "Deserializer", "Constant", unknownName(cn)));
        List<CodeBlock> constantEntries = new ArrayList<>();
        List<CodeBlock> objectEntries = new ArrayList<>();
        for (JsonNode branch : branches) {
            if (branch.has("enum")) {
                for (JsonNode v : branch.get("enum")) {
                    String wire = v.asText();
                    String name = Names.unique(Names.constant(wire), constantNames);
                    TypeSpec.Builder constant = TypeSpec.anonymousClassBuilder("$S", wire);
                    FieldSpec.Builder field = FieldSpec.builder(cn, name, Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                            .initializer("$T.$L", constantEnum, name);
                    String description = branch.path("description").asText("");
                    if (!description.isEmpty()) {
                        constant.addJavadoc("$L", Names.javadoc(description));
                        field.addJavadoc("$L", Names.javadoc(description));
                    } else {
                        field.addJavadoc("{@code $S}", wire);
                    }
                    enumBuilder.addEnumConstant(name, constant.build());
                    b.addField(field.build());
                    constantEntries.add(CodeBlock.of("$S, $L.$L", wire, qualified(constantEnum), name));
                }
            } else if (isSingleKeyObject(branch)) {
                String key = branch.get("properties").fieldNames().next();
                JsonNode payload = branch.get("properties").get(key);
                ClassName vcn = cn.nestedClass(Names.unique(Names.pascal(key), used));
                TypeSpec.Builder variant;
                if (payload.has("properties") && payload.get("properties").size() > 0) {
                    variant = payloadVariant(vcn, key, payload, branch);
                } else {
                    variant = recordBuilder(vcn, props(branch, null, null, null, null), false, false,
                            docOf(branch), false, true);
                }
                variant.addSuperinterface(cn);
                b.addType(variant.addModifiers(Modifier.STATIC).build());
                objectEntries.add(CodeBlock.of("$S, $L.class", key, qualified(vcn)));
            }
        }
        b.addType(enumBuilder.addModifiers(Modifier.STATIC).build());
        b.addType(unknownVariant(cn).addModifiers(Modifier.STATIC).build());
        TypeName classOfVariant = ParameterizedTypeName.get(ClassName.get(Class.class),
                com.palantir.javapoet.WildcardTypeName.subtypeOf(cn));
        b.addType(deserializer(cn, EXTERNAL_DESERIALIZER, CodeBlock.of("$T.class, $L, $L, $L::new", cn,
                mapOf(STRING, constantEnum, constantEntries), mapOf(STRING, classOfVariant, objectEntries),
                qualified(cn.nestedClass(unknownName(cn))))));
        return b.build();
    }

    /** An enum of wire strings implementing the union (the string cases of an externally tagged union). */
    private static TypeSpec.Builder enumLike(ClassName cn, ClassName union) {
        return TypeSpec.enumBuilder(cn)
                .addModifiers(Modifier.PUBLIC)
                .addSuperinterface(union)
                .addJavadoc("The cases of {@link $T} that are plain strings.", union)
                .addField(STRING, "wireValue", Modifier.PRIVATE, Modifier.FINAL)
                .addMethod(MethodSpec.constructorBuilder()
                        .addParameter(STRING, "wireValue")
                        .addStatement("this.wireValue = wireValue")
                        .build())
                .addMethod(MethodSpec.methodBuilder("wireValue")
                        .addJavadoc("The string on the wire.")
                        .addModifiers(Modifier.PUBLIC)
                        .addAnnotation(JSON_VALUE)
                        .returns(STRING)
                        .addStatement("return wireValue")
                        .build());
    }

    /**
     * A case {@code {"key": {...fields}}} whose value is an inline object: the record models the whole
     * single-key object (so Jackson reads and writes it without custom code) and its value is the nested
     * {@code Payload} record; {@code of(...)} builds both at once.
     */
    private TypeSpec.Builder payloadVariant(ClassName vcn, String key, JsonNode payload, JsonNode branch) {
        TypeSpec.Builder variant = TypeSpec.recordBuilder(vcn).addModifiers(Modifier.PUBLIC);
        ClassName payloadName = vcn.nestedClass("Payload");
        List<Prop> payloadProps = props(payload, null, null, null, null);
        List<ParameterSpec> payloadComponents = new ArrayList<>();
        TypeSpec payloadSpec = recordBuilder(payloadName, payloadProps, false, isOpen(payload), docOf(payload), false,
                false, payloadComponents).addModifiers(Modifier.STATIC).build();
        variant.addType(payloadSpec);
        String javaName = Names.camel(key);
        ParameterSpec.Builder component = ParameterSpec.builder(payloadName, javaName);
        if (!javaName.equals(key)) {
            component.addAnnotation(AnnotationSpec.builder(JSON_PROPERTY).addMember("value", "$S", key).build());
        }
        variant.recordConstructor(MethodSpec.constructorBuilder().addParameter(component.build()).build());
        variant.addAnnotation(AnnotationSpec.builder(JSON_IGNORE_PROPERTIES).addMember("ignoreUnknown", "true").build());
        variant.addAnnotation(AnnotationSpec.builder(JSON_DESERIALIZE)
                .addMember("using", "$T.None.class", JSON_DESERIALIZER).build());
        CodeBlock doc = docOf(branch);
        if (doc != null) {
            variant.addJavadoc(doc);
        }
        MethodSpec.Builder of = MethodSpec.methodBuilder("of")
                .addJavadoc("Builds the case from its payload's fields.")
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .returns(vcn);
        List<String> names = new ArrayList<>();
        for (ParameterSpec p : payloadComponents) {
            of.addParameter(p.type(), p.name());
            names.add(p.name());
        }
        of.addStatement("return new $T(new $T($L))", vcn, payloadName, String.join(", ", names));
        variant.addMethod(of.build());
        return variant;
    }

    private TypeSpec kindUnion(ClassName cn, Definition def) {
        JsonNode s = def.schema();
        List<JsonNode> branches = nonNull(s.has("anyOf") ? s.get("anyOf") : s.get("oneOf"));
        List<String> jsonKinds = jsonKinds(branches);
        TypeSpec.Builder b = unionInterface(cn, def, "Told apart by the kind of JSON value; each case wraps the "
                + "value, and {@code of(...)} builds one.");
        Set<String> used = new HashSet<>(Set.of(cn.simpleName(), "Deserializer", unknownName(cn)));
        List<CodeBlock> entries = new ArrayList<>();
        for (int i = 0; i < branches.size(); i++) {
            JsonNode branch = branches.get(i);
            Mapped m = map(branch, null, null, "value");
            TypeName valueType = m.type().isBoxedPrimitive() ? m.type().unbox() : m.type();
            String suffix = switch (jsonKinds.get(i)) {
                case "STRING" -> "String";
                case "INTEGER" -> valueType.equals(TypeName.INT) ? "Int" : "Long";
                case "NUMBER" -> "Double";
                case "BOOLEAN" -> "Boolean";
                case "ARRAY" -> "List";
                default -> m.type() instanceof ClassName c ? c.simpleName() : "Object";
            };
            ClassName vcn = cn.nestedClass(Names.unique("Of" + suffix, used));
            TypeSpec variant = TypeSpec.recordBuilder(vcn)
                    .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                    .addSuperinterface(cn)
                    .recordConstructor(MethodSpec.constructorBuilder().addParameter(valueType, "value").build())
                    .addMethod(MethodSpec.methodBuilder("value")
                            .addModifiers(Modifier.PUBLIC)
                            .addAnnotation(JSON_VALUE)
                            .returns(valueType)
                            .addStatement("return value")
                            .build())
                    .addMethod(MethodSpec.methodBuilder("of")
                            .addJavadoc("Jackson's way in (the JSON value is the whole case).")
                            .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                            .addAnnotation(AnnotationSpec.builder(JSON_CREATOR)
                                    .addMember("mode", "$T.Mode.DELEGATING", JSON_CREATOR).build())
                            .returns(vcn)
                            .addParameter(valueType, "value")
                            .addStatement("return new $T(value)", vcn)
                            .build())
                    .addAnnotation(AnnotationSpec.builder(JSON_DESERIALIZE)
                            .addMember("using", "$T.None.class", JSON_DESERIALIZER).build())
                    .build();
            b.addType(variant);
            b.addMethod(MethodSpec.methodBuilder("of")
                    .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                    .returns(cn)
                    .addParameter(valueType, "value")
                    .addStatement("return new $T(value)", vcn)
                    .build());
            entries.add(CodeBlock.of("$T.$L, $L.class", JSON_KIND, jsonKinds.get(i), qualified(vcn)));
        }
        b.addType(unknownVariant(cn).addModifiers(Modifier.STATIC).build());
        TypeName classOfVariant = ParameterizedTypeName.get(ClassName.get(Class.class),
                com.palantir.javapoet.WildcardTypeName.subtypeOf(cn));
        b.addType(deserializer(cn, KIND_DESERIALIZER, CodeBlock.of("$T.class, $L, $L::new", cn,
                mapOf(JSON_KIND, classOfVariant, entries), qualified(cn.nestedClass(unknownName(cn))))));
        return b.build();
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
