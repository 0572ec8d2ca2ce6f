package dev.codex4j.appserver.codegen;

import com.fasterxml.jackson.databind.JsonNode;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import com.palantir.javapoet.WildcardTypeName;
import dev.codex4j.appserver.codegen.SchemaIndex.Definition;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;

/**
 * The method catalog: one constant per JSON-RPC method of the four method unions of the schema
 * ({@code ClientRequest}, {@code ServerNotification}, {@code ServerRequest}, {@code ClientNotification}),
 * plus the sealed {@code ServerNotification}/{@code ServerRequest} types and their decoders.
 */
final class CatalogEmitter {
    static final List<String> METHOD_UNIONS =
            List.of("ClientRequest", "ServerNotification", "ServerRequest", "ClientNotification");

    /**
     * The schema lists each client request's params but not its result type. Results follow the naming
     * convention {@code FooParams → FooResponse}; these are the methods whose params do not tell
     * (no params, or a shared response type). Checked at generation time: every name must exist and
     * every method must resolve.
     */
    private static final Map<String, String> RESPONSE_OVERRIDES = Map.ofEntries(
            Map.entry("account/gatewayOAuth/cancel", "GatewayOAuthCancelResponse"),
            Map.entry("account/logout", "LogoutAccountResponse"),
            Map.entry("account/securitySetup/read", "GetAccountSecuritySetupResponse"),
            Map.entry("account/workspaceMessages/read", "GetWorkspaceMessagesResponse"),
            Map.entry("accountSession/list", "AccountSessionsResponse"),
            Map.entry("config/batchWrite", "ConfigWriteResponse"),
            Map.entry("config/mcpServer/reload", "McpServerRefreshResponse"),
            Map.entry("config/value/write", "ConfigWriteResponse"),
            Map.entry("configRequirements/read", "ConfigRequirementsReadResponse"),
            Map.entry("externalAgentConfig/import/readHistories", "ExternalAgentConfigImportHistoriesReadResponse"),
            Map.entry("memory/reset", "MemoryResetResponse"),
            Map.entry("remoteControl/status/read", "RemoteControlStatusReadResponse"),
            Map.entry("rollout/compress", "RolloutCompressResponse"),
            Map.entry("windowsSandbox/readiness", "WindowsSandboxReadinessResponse"));

    private static final String PKG = TypeEmitter.PROTOCOL_PACKAGE;
    private static final ClassName CLIENT_METHOD = ClassName.get(PKG, "ClientMethod");
    private static final ClassName NOTIFICATION_METHOD = ClassName.get(PKG, "NotificationMethod");
    private static final ClassName SERVER_REQUEST_METHOD = ClassName.get(PKG, "ServerRequestMethod");
    private static final ClassName SERVER_NOTIFICATION = ClassName.get(PKG, "ServerNotification");
    private static final ClassName SERVER_REQUEST = ClassName.get(PKG, "ServerRequest");
    private static final ClassName OBJECT_MAPPER = ClassName.get("com.fasterxml.jackson.databind", "ObjectMapper");
    private static final ClassName JSON_PROCESSING_EXCEPTION =
            ClassName.get("com.fasterxml.jackson.core", "JsonProcessingException");
    private static final ClassName VOID = ClassName.get(Void.class);
    /** Hand-written, package-private: reads ids out of raw params. */
    private static final ClassName RAW_IDS = ClassName.get(PKG, "RawIds");
    private static final ClassName STRING = ClassName.get(String.class);

    /** One method of a method union. Refs are {@code $ref}s into the bundle; null means "none". */
    record Entry(String method, String description, String paramsRef, boolean paramsRequired, String resultRef,
            boolean experimental) {
        String constantName() {
            return Names.constant(method);
        }

        String variantName() {
            return Names.pascal(method);
        }
    }

    private final SchemaIndex index;
    final List<Entry> clientRequests;
    final List<Entry> serverNotifications;
    final List<Entry> serverRequests;
    final List<Entry> clientNotifications;

    CatalogEmitter(SchemaIndex index) {
        this.index = index;
        this.clientRequests = entries("ClientRequest", true);
        this.serverNotifications = entries("ServerNotification", false);
        this.serverRequests = entries("ServerRequest", true);
        this.clientNotifications = entries("ClientNotification", false);
    }

    /** Refs of the method unions themselves (not generated as types). */
    Set<String> unionRefs() {
        return METHOD_UNIONS.stream().map(n -> index.topLevel(n).ref()).collect(Collectors.toSet());
    }

    /** Types the client builds: client request params and server request responses get builders. */
    Set<String> builderRefs() {
        Set<String> refs = new HashSet<>();
        clientRequests.forEach(e -> refs.add(e.paramsRef()));
        serverRequests.forEach(e -> refs.add(e.resultRef()));
        refs.remove(null);
        return refs;
    }

    /** Params of the messages a client filters by thread or turn: server notifications and server requests. */
    Set<String> scopedRefs() {
        Set<String> refs = new HashSet<>();
        serverNotifications.forEach(e -> refs.add(e.paramsRef()));
        serverRequests.forEach(e -> refs.add(e.paramsRef()));
        refs.remove(null);
        return refs;
    }

    /** {@code ProtocolVersion}: the codex version the catalog and types were generated from. */
    static TypeSpec protocolVersion(String codexVersion) {
        return utilityClass("ProtocolVersion", "The codex CLI whose protocol schema these types were generated from.")
                .addField(FieldSpec.builder(STRING, "CODEX_VERSION", Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                        .addJavadoc("The version of {@code codex-cli} (as {@code codex --version} prints it, without the "
                                + "name) whose {@code app-server generate-json-schema} output these types follow.")
                        .initializer("$S", codexVersion)
                        .build())
                .build();
    }

    private List<Entry> entries(String union, boolean withResult) {
        Definition def = index.topLevel(union);
        Set<String> stableMethods = new HashSet<>();
        if (def.stable() != null) {
            def.stable().get("oneOf").forEach(v -> stableMethods.add(methodOf(v)));
        }
        List<Entry> out = new ArrayList<>();
        for (JsonNode variant : def.schema().get("oneOf")) {
            String method = methodOf(variant);
            JsonNode params = variant.path("properties").get("params");
            boolean required = false;
            for (JsonNode r : variant.path("required")) {
                required |= r.asText().equals("params");
            }
            String paramsRef = paramsRef(params);
            String resultRef = withResult ? resultRef(union, method, paramsRef) : null;
            out.add(new Entry(method, variant.path("description").asText(""), paramsRef, required, resultRef,
                    !stableMethods.contains(method)));
        }
        return out;
    }

    private static String methodOf(JsonNode variant) {
        return variant.get("properties").get("method").get("enum").get(0).asText();
    }

    /** {@code {"$ref"}}, {@code anyOf [$ref, null]}, or no params ({@code {"type": "null"}} / absent). */
    private static String paramsRef(JsonNode params) {
        if (params == null || "null".equals(params.path("type").asText())) {
            return null;
        }
        if (params.has("$ref")) {
            return params.get("$ref").asText();
        }
        for (JsonNode branch : params.path("anyOf")) {
            if (branch.has("$ref")) {
                return branch.get("$ref").asText();
            }
        }
        throw new IllegalStateException("unsupported params schema " + params);
    }

    private String resultRef(String union, String method, String paramsRef) {
        String name = RESPONSE_OVERRIDES.get(method);
        if (name == null && paramsRef != null && paramsRef.endsWith("Params")) {
            String paramsName = paramsRef.substring(paramsRef.lastIndexOf('/') + 1);
            name = paramsName.substring(0, paramsName.length() - "Params".length()) + "Response";
        }
        Definition def = name == null ? null : index.byName(name);
        if (def == null) {
            throw new IllegalStateException(union + " " + method + ": no response type (add it to RESPONSE_OVERRIDES)");
        }
        return def.ref();
    }

    // ---------------------------------------------------------------- emission

    Map<String, TypeSpec> emit(TypeEmitter types) {
        Map<String, TypeSpec> out = new LinkedHashMap<>();
        out.put("ClientMethods", clientMethods(types));
        out.put("ServerNotifications", notifications("ServerNotifications", serverNotifications, types, true));
        out.put("ClientNotifications", notifications("ClientNotifications", clientNotifications, types, false));
        out.put("ServerRequests", serverRequestsCatalog(types));
        out.put("ServerNotification", sealedMessages(SERVER_NOTIFICATION, serverNotifications, types,
                "UnknownNotification", "A notification from the app-server, decoded by {@link ServerNotifications#decode}."));
        out.put("ServerRequest", sealedMessages(SERVER_REQUEST, serverRequests, types, "UnknownRequest",
                "A request from the app-server (the client must answer it), decoded by {@link ServerRequests#decode}. "
                        + "The JSON-RPC id is not part of it: the transport pairs the answer with the request."));
        return out;
    }

    /** The class literal type for a ref (null → Void). */
    private static ClassName classOf(TypeEmitter types, String ref) {
        if (ref == null) {
            return VOID;
        }
        TypeName type = types.typeOf(ref).type();
        if (!(type instanceof ClassName cn)) {
            throw new IllegalStateException(ref + " maps to " + type + ", which has no class literal");
        }
        return cn;
    }

    private static CodeBlock doc(Entry e) {
        CodeBlock.Builder b = CodeBlock.builder().add("{@code $L}", e.method());
        // the Rust source's section comments ("NEW APIs", "DEPRECATED APIs below") leak into descriptions
        String description = e.description()
                .replaceFirst("^(NEW APIs|NEW NOTIFICATIONS|DEPRECATED APIs below)\\s*", "");
        if (!description.isEmpty()) {
            b.add(": $L", Names.javadoc(description));
        }
        if (e.experimental()) {
            b.add(" (experimental API)");
        }
        return b.build();
    }

    private static TypeSpec.Builder utilityClass(String name, String doc) {
        return TypeSpec.classBuilder(name)
                .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                .addJavadoc(doc)
                .addMethod(MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE).build());
    }

    /** {@code all()} (catalog order = schema order) and {@code byName(String)}. */
    private static void addLookups(TypeSpec.Builder b, TypeName descriptor, List<Entry> entries) {
        TypeName listType = ParameterizedTypeName.get(ClassName.get(List.class), descriptor);
        TypeName mapType = ParameterizedTypeName.get(ClassName.get(Map.class), STRING, descriptor);
        CodeBlock.Builder all = CodeBlock.builder().add("$T.of(", List.class);
        for (int i = 0; i < entries.size(); i++) {
            all.add(i == 0 ? "\n$>$>" : ",\n").add("$L", entries.get(i).constantName());
        }
        all.add(entries.isEmpty() ? ")" : "$<$<)");
        b.addField(FieldSpec.builder(listType, "ALL", Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                .initializer(all.build()).build());
        b.addField(FieldSpec.builder(mapType, "BY_NAME", Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                .initializer("ALL.stream().collect($T.toUnmodifiableMap(m -> m.name(), m -> m))", Collectors.class)
                .build());
        b.addMethod(MethodSpec.methodBuilder("all")
                .addJavadoc("Every method, in schema order (stable and experimental).")
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .returns(listType)
                .addStatement("return ALL")
                .build());
        b.addMethod(MethodSpec.methodBuilder("byName")
                .addJavadoc("The method with this JSON-RPC name, if this version of the protocol has it.")
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .returns(ParameterizedTypeName.get(ClassName.get(Optional.class), descriptor))
                .addParameter(STRING, "name")
                .addStatement("return $T.ofNullable(BY_NAME.get(name))", Optional.class)
                .build());
    }

    private static FieldSpec.Builder constant(TypeName type, Entry e) {
        FieldSpec.Builder f = FieldSpec.builder(type, e.constantName(), Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                .addJavadoc(doc(e));
        if (e.experimental()) {
            f.addAnnotation(TypeEmitter.EXPERIMENTAL);
        }
        return f;
    }

    private TypeSpec clientMethods(TypeEmitter types) {
        TypeSpec.Builder b = utilityClass("ClientMethods", "Every request a client can send to the app-server, with its "
                + "params and result types. Methods without params use {@code Void}.");
        TypeName any = ParameterizedTypeName.get(CLIENT_METHOD, WildcardTypeName.subtypeOf(Object.class),
                WildcardTypeName.subtypeOf(Object.class));
        for (Entry e : clientRequests) {
            ClassName params = classOf(types, e.paramsRef());
            ClassName result = classOf(types, e.resultRef());
            b.addField(constant(ParameterizedTypeName.get(CLIENT_METHOD, params, result), e)
                    .initializer("new $T<>($S, $T.class, $T.class, $L, $L)", CLIENT_METHOD, e.method(), params, result,
                            e.paramsRequired(), e.experimental())
                    .build());
        }
        addLookups(b, any, clientRequests);
        return b.build();
    }

    private TypeSpec notifications(String name, List<Entry> entries, TypeEmitter types, boolean decoder) {
        TypeSpec.Builder b = utilityClass(name, decoder
                ? "Every notification the app-server sends, with its params type, and the decoder to the sealed "
                        + "{@link ServerNotification}."
                : "Every notification a client can send to the app-server.");
        TypeName any = ParameterizedTypeName.get(NOTIFICATION_METHOD, WildcardTypeName.subtypeOf(Object.class));
        for (Entry e : entries) {
            ClassName payload = classOf(types, e.paramsRef());
            b.addField(constant(ParameterizedTypeName.get(NOTIFICATION_METHOD, payload), e)
                    .initializer("new $T<>($S, $T.class, $L)", NOTIFICATION_METHOD, e.method(), payload, e.experimental())
                    .build());
        }
        addLookups(b, any, entries);
        if (decoder) {
            b.addMethod(decodeMethod(SERVER_NOTIFICATION, entries, types, "UnknownNotification"));
        }
        return b.build();
    }

    private TypeSpec serverRequestsCatalog(TypeEmitter types) {
        TypeSpec.Builder b = utilityClass("ServerRequests", "Every request the app-server sends to the client, with its "
                + "params and response types, and the decoder to the sealed {@link ServerRequest}.");
        TypeName any = ParameterizedTypeName.get(SERVER_REQUEST_METHOD, WildcardTypeName.subtypeOf(Object.class),
                WildcardTypeName.subtypeOf(Object.class));
        for (Entry e : serverRequests) {
            ClassName params = classOf(types, e.paramsRef());
            ClassName response = classOf(types, e.resultRef());
            b.addField(constant(ParameterizedTypeName.get(SERVER_REQUEST_METHOD, params, response), e)
                    .initializer("new $T<>($S, $T.class, $T.class, $L)", SERVER_REQUEST_METHOD, e.method(), params,
                            response, e.experimental())
                    .build());
        }
        addLookups(b, any, serverRequests);
        b.addMethod(decodeMethod(SERVER_REQUEST, serverRequests, types, "UnknownRequest"));
        return b.build();
    }

    /** {@code decode(mapper, method, params)}: a switch over the method names; unknown ones keep the raw JSON. */
    private static MethodSpec decodeMethod(ClassName sealed, List<Entry> entries, TypeEmitter types, String unknown) {
        CodeBlock.Builder body = CodeBlock.builder().add("return switch (method) {\n$>");
        for (Entry e : entries) {
            body.add("case $S -> new $T(mapper.treeToValue(params, $T.class));\n",
                    e.method(), sealed.nestedClass(e.variantName()), classOf(types, e.paramsRef()));
        }
        body.add("default -> new $T(method, params);\n$<};\n", sealed.nestedClass(unknown));
        return MethodSpec.methodBuilder("decode")
                .addJavadoc("Decodes the {@code params} of a message with this {@code method}. A method this version "
                        + "does not know yields {@code $L} with the raw params; unknown fields and values inside known "
                        + "params are tolerated.\n\n@throws IllegalArgumentException if the params of a known method "
                        + "do not fit its type", unknown)
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .returns(sealed)
                .addParameter(OBJECT_MAPPER, "mapper")
                .addParameter(STRING, "method")
                .addParameter(TypeEmitter.JSON_NODE, "params")
                .beginControlFlow("try")
                .addCode(body.build())
                .nextControlFlow("catch ($T e)", JSON_PROCESSING_EXCEPTION)
                .addStatement("throw new $T($S + method + $S + e.getOriginalMessage(), e)",
                        IllegalArgumentException.class, "cannot decode params of ", ": ")
                .endControlFlow()
                .build();
    }

    /** The sealed message type: one record per method wrapping its typed params, plus the unknown case. */
    private static TypeSpec sealedMessages(ClassName sealed, List<Entry> entries, TypeEmitter types, String unknown,
            String doc) {
        TypeSpec.Builder b = TypeSpec.interfaceBuilder(sealed)
                .addModifiers(Modifier.PUBLIC, Modifier.SEALED)
                .addJavadoc(doc)
                .addMethod(MethodSpec.methodBuilder("method")
                        .addJavadoc("The JSON-RPC method name.")
                        .addModifiers(Modifier.PUBLIC, Modifier.ABSTRACT)
                        .returns(STRING)
                        .build())
                .addMethod(MethodSpec.methodBuilder("params")
                        .addJavadoc("The decoded params (a {@code JsonNode} for an unknown method).")
                        .addModifiers(Modifier.PUBLIC, Modifier.ABSTRACT)
                        .returns(Object.class)
                        .build())
                .addMethod(idDefault("threadId", "thread", "ThreadScoped", "thread/started"))
                .addMethod(idDefault("turnId", "turn", "TurnScoped", "turn/completed"));
        Set<String> used = new HashSet<>(Set.of(unknown, sealed.simpleName()));
        for (Entry e : entries) {
            if (!used.add(e.variantName())) {
                throw new IllegalStateException("variant name clash: " + e.variantName());
            }
            TypeSpec.Builder variant = TypeSpec.recordBuilder(sealed.nestedClass(e.variantName()))
                    .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                    .addSuperinterface(sealed)
                    .addJavadoc(doc(e))
                    .recordConstructor(MethodSpec.constructorBuilder()
                            .addParameter(classOf(types, e.paramsRef()), "params").build())
                    .addMethod(MethodSpec.methodBuilder("method")
                            .addAnnotation(Override.class)
                            .addModifiers(Modifier.PUBLIC)
                            .returns(STRING)
                            .addStatement("return $S", e.method())
                            .build());
            ClassName params = classOf(types, e.paramsRef());
            idOverride(types, params, "threadId", "thread").ifPresent(variant::addMethod);
            idOverride(types, params, "turnId", "turn").ifPresent(variant::addMethod);
            if (e.experimental()) {
                variant.addAnnotation(TypeEmitter.EXPERIMENTAL);
            }
            b.addType(variant.build());
        }
        b.addType(TypeSpec.recordBuilder(sealed.nestedClass(unknown))
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .addSuperinterface(sealed)
                .addJavadoc("A method this version of the protocol does not know (a newer server); keeps the raw params.")
                .recordConstructor(MethodSpec.constructorBuilder()
                        .addParameter(STRING, "method")
                        .addParameter(TypeEmitter.JSON_NODE, "params")
                        .build())
                .addMethod(rawIdOverride("threadId"))
                .addMethod(rawIdOverride("turnId"))
                .build());
        return b.build();
    }

    private static final TypeName OPTIONAL_STRING = ParameterizedTypeName.get(ClassName.get(Optional.class), STRING);

    /** {@code default Optional<String> threadId()} (or turnId) of the sealed message type: empty unless overridden. */
    private static MethodSpec idDefault(String name, String nested, String scoped, String example) {
        return MethodSpec.methodBuilder(name)
                .addJavadoc("The id of the $L this message is about: the params' {@code $L} (see {@link $L}), else the "
                        + "{@code id} of a {@code $L} object in them (as in {@code $L}); for an unknown method, a "
                        + "top-level string {@code $L} of the raw params. Empty for messages about no $L, and when the "
                        + "server left it out.", nested, name, scoped, nested, example, name, nested)
                .addModifiers(Modifier.PUBLIC, Modifier.DEFAULT)
                .returns(OPTIONAL_STRING)
                .addStatement("return $T.empty()", Optional.class)
                .build();
    }

    /**
     * The variant's override of {@code threadId()}/{@code turnId()}: the params' own string component of that
     * name, else the {@code id} of a nested {@code thread}/{@code turn} record; none if the params have neither.
     */
    private static Optional<MethodSpec> idOverride(TypeEmitter types, ClassName params, String name, String nested) {
        List<ParameterSpec> components = types.componentsOf(params);
        CodeBlock value;
        if (TypeEmitter.hasStringComponent(components, name)) {
            value = CodeBlock.of("$T.ofNullable(params).map($T::$L)", Optional.class, params, name);
        } else {
            Optional<TypeName> holder = components.stream().filter(c -> c.name().equals(nested))
                    .map(c -> c.type()).filter(t -> TypeEmitter.hasStringComponent(types.componentsOf(t), "id"))
                    .findFirst();
            if (holder.isEmpty()) {
                return Optional.empty();
            }
            value = CodeBlock.of("$T.ofNullable(params).map($T::$L).map($T::id)", Optional.class, params, nested,
                    holder.get());
        }
        return Optional.of(MethodSpec.methodBuilder(name)
                .addAnnotation(Override.class)
                .addModifiers(Modifier.PUBLIC)
                .returns(OPTIONAL_STRING)
                .addStatement("return $L", value)
                .build());
    }

    /** An unknown message's {@code threadId()}/{@code turnId()}: a top-level string of that name in the raw params. */
    private static MethodSpec rawIdOverride(String name) {
        return MethodSpec.methodBuilder(name)
                .addAnnotation(Override.class)
                .addModifiers(Modifier.PUBLIC)
                .returns(OPTIONAL_STRING)
                .addStatement("return $T.string(params, $S)", RAW_IDS, name)
                .build();
    }
}
