package dev.codex4j.appserver.codegen;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Turns wire names (camelCase, snake_case, kebab-case, paths like {@code thread/start}) into Java names. */
final class Names {
    private static final Set<String> RESERVED = Set.of(
            "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class", "const",
            "continue", "default", "do", "double", "else", "enum", "extends", "final", "finally", "float",
            "for", "goto", "if", "implements", "import", "instanceof", "int", "interface", "long", "native",
            "new", "package", "private", "protected", "public", "return", "short", "static", "strictfp",
            "super", "switch", "synchronized", "this", "throw", "throws", "transient", "try", "void",
            "volatile", "while", "true", "false", "null", "var", "record", "yield", "sealed", "permits",
            "_",
            // accessors of these would clash with java.lang.Object methods
            "hashCode", "toString", "getClass", "wait", "notify", "notifyAll", "clone", "finalize", "equals");

    /**
     * Schema definitions whose Java type has another name (schema name → Java name); the schema and the
     * wire are unchanged. Each entry avoids shadowing the {@code java.lang} type of the schema name.
     */
    private static final Map<String, String> RENAMED_TYPES = Map.of(
            "Thread", "ThreadSnapshot"); // "Thread" shadows java.lang.Thread in every file importing the types

    /**
     * Wire names of properties that hold a credential: a record with one prints {@code ***} for it in its
     * {@code toString}, so a logged params or response object does not leak it.
     */
    private static final Set<String> SECRET_PROPERTIES = Set.of("apiKey", "accessToken", "refreshToken", "idToken",
            "authBearerToken", "token", "sessionToken", "secretAccessKey", "clientPrivateKey", "password", "secret");

    private Names() {}

    /** Whether the property {@code wire} holds a credential (see {@link #SECRET_PROPERTIES}). */
    static boolean isSecret(String wire) {
        return SECRET_PROPERTIES.contains(wire);
    }

    /** The Java simple name of the schema definition {@code name}: the name itself unless it is renamed. */
    static String typeName(String name) {
        return RENAMED_TYPES.getOrDefault(name, name);
    }

    /** Whether the Java type of the schema definition {@code name} has another name than the schema's. */
    static boolean isRenamed(String name) {
        return RENAMED_TYPES.containsKey(name);
    }

    /** Words of a wire name: split on non-alphanumerics and on lower-to-upper case changes. */
    static List<String> words(String wire) {
        List<String> words = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < wire.length(); i++) {
            char c = wire.charAt(i);
            if (!Character.isLetterOrDigit(c)) {
                flush(words, current);
                continue;
            }
            if (current.length() > 0) {
                char prev = current.charAt(current.length() - 1);
                boolean lowerToUpper = Character.isUpperCase(c) && (Character.isLowerCase(prev) || Character.isDigit(prev));
                // "HTTPServer": split before the last capital of an acronym followed by lowercase
                boolean acronymEnd = Character.isUpperCase(c) && Character.isUpperCase(prev)
                        && i + 1 < wire.length() && Character.isLowerCase(wire.charAt(i + 1));
                if (lowerToUpper || acronymEnd) {
                    flush(words, current);
                }
            }
            current.append(c);
        }
        flush(words, current);
        return words;
    }

    private static void flush(List<String> words, StringBuilder current) {
        if (current.length() > 0) {
            words.add(current.toString());
            current.setLength(0);
        }
    }

    /** {@code list_files} → {@code ListFiles}, {@code openai/form} → {@code OpenaiForm}. */
    static String pascal(String wire) {
        StringBuilder out = new StringBuilder();
        for (String word : words(wire)) {
            boolean allUpper = word.equals(word.toUpperCase(Locale.ROOT)) && word.length() > 1;
            String rest = allUpper ? word.substring(1).toLowerCase(Locale.ROOT) : word.substring(1);
            out.append(Character.toUpperCase(word.charAt(0))).append(rest);
        }
        String name = out.length() == 0 ? "Empty" : out.toString();
        return Character.isDigit(name.charAt(0)) ? "V" + name : name;
    }

    /** A Java member name: camelCase, keywords get a trailing underscore. */
    static String camel(String wire) {
        String pascal = pascal(wire);
        String name = Character.toLowerCase(pascal.charAt(0)) + pascal.substring(1);
        if (Character.isDigit(name.charAt(0))) {
            name = "v" + name;
        }
        return RESERVED.contains(name) ? name + "_" : name;
    }

    /** {@code acceptForSession} → {@code ACCEPT_FOR_SESSION}, {@code thread/start} → {@code THREAD_START}. */
    static String constant(String wire) {
        String name = String.join("_", words(wire)).toUpperCase(Locale.ROOT);
        if (name.isEmpty()) {
            return "EMPTY";
        }
        return Character.isDigit(name.charAt(0)) ? "V" + name : name;
    }

    /** Whether {@code wire} can be used verbatim as a Java member name. */
    static boolean isPlainMember(String wire, String javaName) {
        return wire.equals(javaName);
    }

    /** Returns {@code base}, or {@code base2}, {@code base3}... whichever is not in {@code used}; records it. */
    static String unique(String base, Set<String> used) {
        String name = base;
        for (int i = 2; used.contains(name); i++) {
            name = base + i;
        }
        used.add(name);
        return name;
    }

    /** Escapes schema text for a Javadoc comment. */
    static String javadoc(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("*/", "*&#47;")
                .replace("@", "&#64;")
                .replace("\\u", "&#92;u")
                .strip();
    }
}
