package dev.codex4j.appserver.codegen;

import static dev.codex4j.appserver.codegen.RecordEmitter.props;
import static dev.codex4j.appserver.codegen.SchemaShapes.discriminator;
import static dev.codex4j.appserver.codegen.SchemaShapes.isOpen;
import static dev.codex4j.appserver.codegen.SchemaShapes.isSingleKeyObject;
import static dev.codex4j.appserver.codegen.SchemaShapes.jsonKinds;
import static dev.codex4j.appserver.codegen.SchemaShapes.nonNull;
import static dev.codex4j.appserver.codegen.TypeEmitter.EXPERIMENTAL;
import static dev.codex4j.appserver.codegen.TypeEmitter.JSON_CREATOR;
import static dev.codex4j.appserver.codegen.TypeEmitter.JSON_DESERIALIZE;
import static dev.codex4j.appserver.codegen.TypeEmitter.JSON_DESERIALIZER;
import static dev.codex4j.appserver.codegen.TypeEmitter.JSON_IGNORE_PROPERTIES;
import static dev.codex4j.appserver.codegen.TypeEmitter.JSON_NODE;
import static dev.codex4j.appserver.codegen.TypeEmitter.JSON_PROPERTY;
import static dev.codex4j.appserver.codegen.TypeEmitter.JSON_VALUE;
import static dev.codex4j.appserver.codegen.TypeEmitter.MAP;
import static dev.codex4j.appserver.codegen.TypeEmitter.STRING;
import static dev.codex4j.appserver.codegen.TypeEmitter.UNKNOWN_VARIANT;
import static dev.codex4j.appserver.codegen.TypeEmitter.definitionDoc;
import static dev.codex4j.appserver.codegen.TypeEmitter.docOf;

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
import dev.codex4j.appserver.codegen.RecordEmitter.Prop;
import dev.codex4j.appserver.codegen.SchemaIndex.Definition;
import dev.codex4j.appserver.codegen.TypeEmitter.Mapped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.lang.model.element.Modifier;

/**
 * Unions → sealed interfaces, for {@link TypeEmitter}. Each kind has a nested {@code Deserializer} (a
 * subclass of the matching one in {@code protocol.support}) and an {@code Unknown...} record that keeps
 * the raw JSON of a variant this version does not know:
 *
 * <ul>
 *   <li>tagged ({@code oneOf} objects sharing a single-valued discriminator): one record per variant;
 *   <li>externally tagged (strings and single-key objects): an enum of the string cases and a record
 *       per object case;
 *   <li>JSON-kind ({@code anyOf} of different JSON kinds): one wrapper record per kind.
 * </ul>
 *
 * Variant records come from {@link RecordEmitter}.
 */
final class UnionEmitter {
    private static final String SUPPORT = TypeEmitter.PROTOCOL_PACKAGE + ".support";
    private static final ClassName TAGGED_DESERIALIZER = ClassName.get(SUPPORT, "TaggedUnionDeserializer");
    private static final ClassName EXTERNAL_DESERIALIZER = ClassName.get(SUPPORT, "ExternallyTaggedUnionDeserializer");
    private static final ClassName KIND_DESERIALIZER = ClassName.get(SUPPORT, "JsonKindUnionDeserializer");
    private static final ClassName JSON_KIND = KIND_DESERIALIZER.nestedClass("JsonKind");

    private final TypeEmitter types;
    private final RecordEmitter records;

    UnionEmitter(TypeEmitter types, RecordEmitter records) {
        this.types = types;
        this.records = records;
    }

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

    /** {@code oneOf} objects told apart by a discriminator property: one record per tag value. */
    TypeSpec taggedUnion(ClassName cn, Definition def) {
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
            TypeSpec.Builder variant = records.recordBuilder(vcn,
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

    /** serde's externally tagged enum: the string cases in a {@code Constant} enum, a record per object. */
    TypeSpec externalUnion(ClassName cn, Definition def) {
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
                    variant = records.recordBuilder(vcn, props(branch, null, null, null, null), false, false,
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
        TypeSpec payloadSpec = records.recordBuilder(payloadName, payloadProps, false, isOpen(payload),
                docOf(payload), false, false, payloadComponents).addModifiers(Modifier.STATIC).build();
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

    /** Alternatives of different JSON kinds: one {@code OfString}/{@code OfLong}/... wrapper record per kind. */
    TypeSpec kindUnion(ClassName cn, Definition def) {
        JsonNode s = def.schema();
        List<JsonNode> branches = nonNull(s.has("anyOf") ? s.get("anyOf") : s.get("oneOf"));
        List<String> jsonKinds = jsonKinds(branches);
        TypeSpec.Builder b = unionInterface(cn, def, "Told apart by the kind of JSON value; each case wraps the "
                + "value, and {@code of(...)} builds one.");
        Set<String> used = new HashSet<>(Set.of(cn.simpleName(), "Deserializer", unknownName(cn)));
        List<CodeBlock> entries = new ArrayList<>();
        for (int i = 0; i < branches.size(); i++) {
            JsonNode branch = branches.get(i);
            Mapped m = types.map(branch, null, null, "value");
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
    }}
