package dev.codex4j.appserver.codegen;

import static dev.codex4j.appserver.codegen.SchemaShapes.nonNull;
import static dev.codex4j.appserver.codegen.TypeEmitter.EXPERIMENTAL;
import static dev.codex4j.appserver.codegen.TypeEmitter.JSON_CREATOR;
import static dev.codex4j.appserver.codegen.TypeEmitter.JSON_VALUE;
import static dev.codex4j.appserver.codegen.TypeEmitter.STRING;

import com.fasterxml.jackson.databind.JsonNode;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeSpec;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import javax.lang.model.element.Modifier;

/**
 * String enums → Java enums, for {@link TypeEmitter}: one constant per wire value (documented from the
 * branch that names it), {@code wireValue()} for Jackson to write, {@code fromWireValue} to read, and an
 * {@code UNRECOGNIZED} constant for values a newer server may send.
 */
final class EnumEmitter {
    private EnumEmitter() {}

    /** A string enum; also a {@code oneOf} whose branches are all string enums (one doc per branch). */
    static TypeSpec.Builder enumType(ClassName cn, JsonNode s, CodeBlock doc, boolean experimental) {
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
    }}
