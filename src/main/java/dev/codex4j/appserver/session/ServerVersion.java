package dev.codex4j.appserver.session;

import dev.codex4j.appserver.protocol.types.InitializeResponse;
import dev.codex4j.appserver.rpc.ServerVersionMismatchException;
import dev.codex4j.appserver.rpc.VersionCheck;
import dev.codex4j.appserver.transport.SecretRedactor;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares the codex version an app-server reports in its {@code initialize} answer with the one the protocol
 * was generated for, as {@link VersionCheck} says; run by every handshake, warns at most once per client.
 */
public final class ServerVersion {

    private static final Logger log = LoggerFactory.getLogger(ServerVersion.class);
    /** A version, ended by whitespace, ';', '(' or the end: {@code 0.169.0}, {@code 0.170.0-alpha.2}. */
    private static final Pattern VERSION = Pattern.compile("\\d+\\.\\d+\\.\\d+[^\\s;()]*");
    /** The same right after a slash, for a user agent that does not start with the client's name. */
    private static final Pattern AFTER_SLASH = Pattern.compile("/(" + VERSION.pattern() + ")");

    private final VersionCheck check;
    private final String clientName;
    private final String expected;
    private final AtomicBoolean warned = new AtomicBoolean();

    /**
     * @param clientName the {@code clientInfo.name} sent in {@code initialize}: codex starts its user agent with
     *     it, and it may itself contain slashes and digits
     */
    public ServerVersion(VersionCheck check, String clientName, String expected) {
        this.check = Objects.requireNonNull(check, "versionCheck");
        this.clientName = Objects.requireNonNull(clientName, "clientName");
        this.expected = Objects.requireNonNull(expected, "expected");
    }

    /** The codex version in a user agent, or {@code null} if it has none. */
    static String parse(String userAgent, String clientName) {
        if (userAgent == null) {
            return null;
        }
        if (userAgent.startsWith(clientName + "/")) {
            Matcher m = VERSION.matcher(userAgent).region(clientName.length() + 1, userAgent.length());
            return m.lookingAt() ? m.group() : null;
        }
        Matcher m = AFTER_SLASH.matcher(userAgent);
        return m.find() ? m.group(1) : null;
    }

    /** @throws ServerVersionMismatchException if the versions differ (or the server's is unknown) under FAIL */
    void check(InitializeResponse response, SecretRedactor redactor) {
        if (check == VersionCheck.SKIP) {
            return;
        }
        String userAgent = response.userAgent();
        String actual = parse(userAgent, clientName);
        if (expected.equals(actual)) {
            return;
        }
        String shown = userAgent == null ? null : redactor.redact(userAgent);
        if (check == VersionCheck.FAIL) {
            throw new ServerVersionMismatchException(expected, actual, shown);
        }
        if (warned.compareAndSet(false, true)) {
            if (actual != null) {
                log.warn("codex app-server is version {}, but codex4j's protocol types were generated for {}: "
                        + "messages that changed between them may be skipped or arrive untyped (install codex-cli {}, "
                        + "or choose versionCheck(VersionCheck.SKIP) to silence this)", actual, expected, expected);
            } else {
                log.warn("cannot tell the codex app-server's version from its userAgent '{}'; codex4j's protocol types "
                        + "were generated for {}", shown, expected);
            }
        }
    }
}
