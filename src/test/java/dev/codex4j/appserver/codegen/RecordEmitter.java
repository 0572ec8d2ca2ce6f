package dev.codex4j.appserver.codegen;

import static dev.codex4j.appserver.codegen.SchemaShapes.isOpen;
import static dev.codex4j.appserver.codegen.TypeEmitter.EXPERIMENTAL;
import static dev.codex4j.appserver.codegen.TypeEmitter.JSON_DESERIALIZE;
import static dev.codex4j.appserver.codegen.TypeEmitter.JSON_DESERIALIZER;
import static dev.codex4j.appserver.codegen.TypeEmitter.JSON_IGNORE_PROPERTIES;
import static dev.codex4j.appserver.codegen.TypeEmitter.JSON_NODE;
import static dev.codex4j.appserver.codegen.TypeEmitter.JSON_PROPERTY;
import static dev.codex4j.appserver.codegen.TypeEmitter.MAP;
import static dev.codex4j.appserver.codegen.TypeEmitter.STRING;
import static dev.codex4j.appserver.codegen.TypeEmitter.THREAD_SCOPED;
import static dev.codex4j.appserver.codegen.TypeEmitter.TURN_SCOPED;
import static dev.codex4j.appserver.codegen.TypeEmitter.definitionDoc;
import static dev.codex4j.appserver.codegen.TypeEmitter.hasStringComponent;

import com.fasterxml.jackson.databind.JsonNode;
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
import dev.codex4j.appserver.codegen.TypeEmitter.Mapped;
import dev.codex4j.appserver.codegen.TypeEmitter.Scope;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.lang.model.element.Modifier;

/**
 * Object schemas → records, for {@link TypeEmitter}: one component per property (with the properties of
 * {@code anyOf} alternatives as optional ones), {@code @Experimental} on what the stable schema lacks, an
 * any-setter map for open objects, a {@code toString} that masks credentials, and a fluent builder for
 * the params types clients construct. The records of union variants are made here too
 * ({@link UnionEmitter}). Component types come from {@link TypeEmitter#map}.
 */
final class RecordEmitter {
    private static final String ANNOTATION = "com.fasterxml.jackson.annotation";
    private static final ClassName JSON_INCLUDE = ClassName.get(ANNOTATION, "JsonInclude");
    private static final ClassName JSON_ANY_SETTER = ClassName.get(ANNOTATION, "JsonAnySetter");
    private static final ClassName JSON_ANY_GETTER = ClassName.get(ANNOTATION, "JsonAnyGetter");

    /** One property of an object type, with its stable-schema counterpart (null if experimental-only). */
    record Prop(String wire, JsonNode schema, JsonNode stable, boolean required) {}

    private final TypeEmitter types;
    private final Set<String> builderRefs;
    private final Set<String> scopedRefs;
    /** The components of every top-level record, by simple name: the catalog reads ids out of params. */
    private final Map<String, List<ParameterSpec>> recordComponents = new HashMap<>();

    RecordEmitter(TypeEmitter types, Set<String> builderRefs, Set<String> scopedRefs) {
        this.types = types;
        this.builderRefs = builderRefs;
        this.scopedRefs = scopedRefs;
    }

    /** The components of the top-level record named {@code simpleName}, or an empty list. */
    List<ParameterSpec> componentsOf(String simpleName) {
        return recordComponents.getOrDefault(simpleName, List.of());
    }

    static List<Prop> props(JsonNode s, JsonNode stable, JsonNode shared, JsonNode sharedStable, String skip) {
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

    /**
     * The record of a top-level definition: a builder if it is a params type clients construct,
     * {@code ThreadScoped}/{@code TurnScoped} if it is scoped params; remembers its components.
     */
    TypeSpec.Builder record(ClassName cn, Definition def) {
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
    TypeSpec.Builder recordBuilder(
            ClassName cn, List<Prop> props, boolean stableKnown, boolean open, CodeBlock doc,
            boolean withBuilder, boolean unionVariant) {
        return recordBuilder(cn, props, stableKnown, open, doc, withBuilder, unionVariant, new ArrayList<>());
    }

    /** As above; also hands back the components in {@code components}. */
    TypeSpec.Builder recordBuilder(
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
            Mapped m = types.map(p.schema(), p.stable(), scope, p.wire());
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
    }}
