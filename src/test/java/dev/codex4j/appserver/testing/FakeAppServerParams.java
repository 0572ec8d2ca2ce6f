package dev.codex4j.appserver.testing;

import static dev.codex4j.appserver.testing.FakeAppServerOutput.error;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the params of the {@code fake/*} control methods ({@link FakeAppServerControls}) and of the relay's
 * commands: each helper throws {@link BadParams}, answered with -32602, for a missing required value or one
 * of the wrong type.
 */
final class FakeAppServerParams {

    private FakeAppServerParams() {}

    /** The error response {@code {code, message, data?}} asks for, to the request {@code id}. */
    static ObjectNode errorFromParams(JsonNode id, JsonNode params) {
        if (params == null || !params.isObject()) {
            throw new BadParams("error must be an object");
        }
        JsonNode code = params.get("code");
        if (code == null || !code.canConvertToInt()) {
            throw new BadParams("error code must be an integer");
        }
        return error(id, code.intValue(), requiredText(params, "message"), params.get("data"));
    }

    static boolean thenRespond(JsonNode params) {
        String then = textParam(params, "then", "respond");
        if (!then.equals("respond") && !then.equals("none")) {
            throw new BadParams("then must be \"respond\" or \"none\"");
        }
        return then.equals("respond");
    }

    static String requiredText(JsonNode params, String name) {
        String value = textParam(params, name, null);
        if (value == null) {
            throw new BadParams(name + " must be given");
        }
        return value;
    }

    static String textParam(JsonNode params, String name, String fallback) {
        JsonNode value = params.get(name);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isTextual()) {
            throw new BadParams(name + " must be a string");
        }
        return value.textValue();
    }

    static long longParam(JsonNode params, String name, long fallback) {
        JsonNode value = params.get(name);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber()) {
            throw new BadParams(name + " must be an integer");
        }
        return value.longValue();
    }

    static List<String> stringList(JsonNode params, String name, boolean required) {
        JsonNode value = params.get(name);
        if (value == null || value.isNull()) {
            if (required) {
                throw new BadParams(name + " must be given");
            }
            return List.of();
        }
        if (!value.isArray()) {
            throw new BadParams(name + " must be an array of strings");
        }
        List<String> strings = new ArrayList<>();
        for (JsonNode element : value) {
            if (!element.isTextual()) {
                throw new BadParams(name + " must be an array of strings");
            }
            strings.add(element.textValue());
        }
        return strings;
    }
    /** Thrown for control params the fake cannot act on; answered with -32602. */
    static final class BadParams extends RuntimeException {
        BadParams(String message) {
            super(message);
        }
    }
}
