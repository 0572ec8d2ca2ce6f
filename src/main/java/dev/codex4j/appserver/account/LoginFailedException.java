package dev.codex4j.appserver.account;

import dev.codex4j.appserver.rpc.AppServerException;

/**
 * A sign-in did not succeed: codex refused to start it ({@code account/login/start} answered an error), or it
 * ended with {@code account/login/completed} {@code success:false}, or the client closed before it ended.
 * {@link #reason()} is codex's own explanation, e.g. {@code Login server error: Sign-in failed: ...} or
 * {@code Login server error: Token exchange failed: ...}. The message never contains the API key that was
 * passed in, nor anything shaped like a key or token.
 */
public class LoginFailedException extends AppServerException {

    private final String loginId;
    private final String reason;

    /**
     * @param loginId the login's id, or {@code null} for an API-key login (codex gives those none)
     * @param reason why it failed, already free of secrets
     */
    public LoginFailedException(String loginId, String reason) {
        this(loginId, reason, null);
    }

    /** As {@link #LoginFailedException(String, String)}, with the failure that caused it (free of secrets too). */
    public LoginFailedException(String loginId, String reason, Throwable cause) {
        this(loginId, reason, describe(loginId, reason), cause);
    }

    /** For subclasses that word the message themselves. */
    protected LoginFailedException(String loginId, String reason, String message, Throwable cause) {
        super(message, cause);
        this.loginId = loginId;
        this.reason = reason;
    }

    /** The login's id; {@code null} for an API-key login. */
    public String loginId() {
        return loginId;
    }

    /** Why it failed, as codex said it (secrets masked). */
    public String reason() {
        return reason;
    }

    private static String describe(String loginId, String reason) {
        return (loginId == null ? "sign-in failed: " : "sign-in " + loginId + " failed: ") + reason;
    }
}
