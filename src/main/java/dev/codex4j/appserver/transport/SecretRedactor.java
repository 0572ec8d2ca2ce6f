package dev.codex4j.appserver.transport;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Replaces secrets in text that is about to reach a log line or an exception message: the literal values of
 * secret-looking environment variables handed to the process, and common token shapes (OpenAI keys, bearer
 * tokens, JWTs) wherever they appear.
 */
public final class SecretRedactor {

    static final String MASK = "[REDACTED]";

    private static final Pattern TOKEN_SHAPES = Pattern.compile(
            "sk-[A-Za-z0-9_\\-]{8,}"                                     // OpenAI-style API keys
                    // Authorization headers; not the words "bearer token" (codex's 401 answers say them)
                    + "|(?i:bearer)\\s+(?!(?i:tokens?)(?:[\\s.,;:)]|$))[A-Za-z0-9._~+/\\-]+=*"
                    + "|eyJ[A-Za-z0-9_\\-]{8,}\\.[A-Za-z0-9_\\-]+\\.[A-Za-z0-9_\\-]+"); // JWTs

    private static final Pattern SECRET_NAME =
            Pattern.compile(".*(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH).*");

    /** Values shorter than this are not treated as literal secrets: masking "1" everywhere helps no one. */
    private static final int MIN_LITERAL_LENGTH = 6;

    private final List<String> literals;

    private SecretRedactor(List<String> literals) {
        this.literals = literals;
    }

    /** A redactor that masks only token shapes. */
    public static SecretRedactor tokenShapesOnly() {
        return new SecretRedactor(List.of());
    }

    /**
     * A redactor that also masks the values of the variables in {@code environment} whose names look like
     * secrets ({@code OPENAI_API_KEY}, {@code GITHUB_TOKEN}, ...), plus {@code extraSecrets}.
     */
    public static SecretRedactor forEnvironment(Map<String, String> environment, Collection<String> extraSecrets) {
        List<String> values = new ArrayList<>();
        environment.forEach((name, value) -> {
            if (value != null && SECRET_NAME.matcher(name.toUpperCase(Locale.ROOT)).matches()) {
                values.add(value);
            }
        });
        values.addAll(extraSecrets);
        values.removeIf(v -> v == null || v.length() < MIN_LITERAL_LENGTH);
        values.sort(Comparator.comparingInt(String::length).reversed()); // longest first: no partial leftovers
        return new SecretRedactor(List.copyOf(values));
    }

    /** This redactor masking {@code moreSecrets} too (say, a bearer token obtained just now). */
    public SecretRedactor withSecrets(Collection<String> moreSecrets) {
        List<String> values = new ArrayList<>(literals);
        values.addAll(moreSecrets);
        values.removeIf(v -> v == null || v.length() < MIN_LITERAL_LENGTH);
        values.sort(Comparator.comparingInt(String::length).reversed());
        return new SecretRedactor(List.copyOf(values));
    }

    /**
     * {@link #redact} for text cut off at its end (the start of a longer body): a known secret the cut runs
     * through is masked too, however little of it is left.
     */
    String redactCut(String text) {
        String result = redact(text);
        if (result == null) {
            return null;
        }
        int cut = 0; // the longest end of the text that begins a secret
        for (String literal : literals) {
            for (int k = Math.min(literal.length() - 1, result.length()); k > cut; k--) {
                if (result.regionMatches(result.length() - k, literal, 0, k)) {
                    cut = k;
                }
            }
        }
        return cut == 0 ? result : result.substring(0, result.length() - cut) + MASK;
    }

    /** {@code text} with every known secret replaced by {@value #MASK}. */
    public String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String result = text;
        for (String literal : literals) {
            if (result.contains(literal)) {
                result = result.replace(literal, MASK);
            }
        }
        return TOKEN_SHAPES.matcher(result).replaceAll(MASK);
    }
}
