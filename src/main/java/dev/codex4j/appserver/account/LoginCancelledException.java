package dev.codex4j.appserver.account;

/**
 * A ChatGPT sign-in ended because it was cancelled through {@link PendingLogin#cancel()} (codex 0.169.0 then
 * reports {@code Login was not completed}). A login that codex cancelled by itself, because another ChatGPT
 * login was started on the same server, fails with a plain {@link LoginFailedException} whose reason says
 * {@code Login cancelled}.
 */
public class LoginCancelledException extends LoginFailedException {

    public LoginCancelledException(String loginId, String reason) {
        super(loginId, reason, "sign-in " + loginId + " was cancelled: " + reason, null);
    }
}
