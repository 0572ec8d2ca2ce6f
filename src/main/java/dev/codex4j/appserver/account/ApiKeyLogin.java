package dev.codex4j.appserver.account;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import dev.codex4j.appserver.rpc.JsonRpcError;
import dev.codex4j.appserver.rpc.JsonRpcErrorException;
import dev.codex4j.appserver.transport.SecretRedactor;
import java.util.List;
import java.util.Map;

/**
 * The params of an API-key {@code account/login/start}, and the masking of that key in whatever the login
 * reports. Its own record rather than the generated {@code LoginAccountParams.ApiKey}, whose generated
 * {@code toString} would print the key. It writes its own JSON: Jackson calls {@link JsonSerializable} directly,
 * so this package need not be opened to Jackson for a package-private type.
 */
record ApiKeyLogin(String apiKey) implements JsonSerializable {

    ApiKeyLogin {
        if (apiKey == null) {
            throw new NullPointerException("apiKey");
        }
        if (apiKey.isBlank()) {
            // codex 0.169.0 accepts an empty or blank key and reports success, leaving a useless sign-in.
            throw new IllegalArgumentException("apiKey must not be empty or blank");
        }
        if (!apiKey.equals(apiKey.strip())) {
            throw new IllegalArgumentException(
                    "apiKey has leading or trailing whitespace (a line break read from a file?); strip it first");
        }
    }

    @Override
    public void serialize(JsonGenerator gen, SerializerProvider serializers) throws java.io.IOException {
        gen.writeStartObject();
        gen.writeStringField("type", "apiKey");
        gen.writeStringField("apiKey", apiKey);
        gen.writeEndObject();
    }

    @Override
    public void serializeWithType(JsonGenerator gen, SerializerProvider serializers, TypeSerializer typeSer)
            throws java.io.IOException {
        serialize(gen, serializers);
    }

    /** Masks this key and anything shaped like a key or token. */
    SecretRedactor redactor() {
        return SecretRedactor.forEnvironment(Map.of(), List.of(apiKey));
    }

    /**
     * {@code error} with this key masked: an error answer becomes a {@link LoginFailedException} (its cause a
     * masked copy of the answer); any other error passes unchanged unless a message in its chain shows the key.
     */
    Throwable scrub(Throwable error) {
        SecretRedactor redactor = redactor();
        if (error instanceof JsonRpcErrorException rpc) {
            String message = redactor.redact(rpc.errorMessage());
            // data is dropped: it is free-form JSON that could echo the params
            JsonRpcErrorException masked = new JsonRpcErrorException(rpc.method(),
                    new JsonRpcError(rpc.code(), message, null));
            return new LoginFailedException(null, message, masked);
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(apiKey)) {
                return new LoginFailedException(null, redactor.redact(error.getMessage()));
            }
        }
        return error;
    }

    @Override
    public String toString() {
        return "ApiKeyLogin[apiKey=[REDACTED]]";
    }
}
