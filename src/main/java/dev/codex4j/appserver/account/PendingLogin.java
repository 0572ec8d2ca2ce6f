package dev.codex4j.appserver.account;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.ClientMethods;
import dev.codex4j.appserver.protocol.types.AccountLoginCompletedNotification;
import dev.codex4j.appserver.protocol.types.CancelLoginAccountParams;
import dev.codex4j.appserver.protocol.types.CancelLoginAccountStatus;
import dev.codex4j.appserver.transport.SecretRedactor;
import java.net.URI;
import java.util.Optional;
import reactor.core.publisher.Mono;

/**
 * A ChatGPT sign-in that codex has started and that waits for the user: in a browser
 * ({@link Method#CHATGPT_BROWSER}: open {@link #url()}, the ChatGPT authorization page, and sign in; the browser
 * is then sent back to codex's callback server on {@code 127.0.0.1:1455}) or on another device
 * ({@link Method#CHATGPT_DEVICE_CODE}: open {@link #url()} anywhere and enter {@link #userCode()}).
 *
 * <pre>{@code
 * PendingLogin login = CodexAccount.of(client).loginChatgpt().block();
 * System.out.println("Open " + login.url());
 * login.completion().block();            // signed in, or LoginFailedException
 * }</pre>
 *
 * <p><b>Ending.</b> The login ends exactly once, when codex sends {@code account/login/completed} for its id:
 * {@link #completion()} then completes (signed in) or fails with {@link LoginFailedException} (codex's reason),
 * {@link LoginCancelledException} (after {@link #cancel()}), or the connection's error. Nothing here times
 * out: a person may take minutes. Cancel a login you give up on; codex itself cancels a pending browser login
 * when another one starts. The completion is watched from the moment the login was requested, so subscribing
 * late misses nothing, and every subscriber sees the same outcome.
 */
public final class PendingLogin {

    /** How the user signs in. */
    public enum Method {
        /** In a browser on this machine: codex's callback server on loopback receives the result. */
        CHATGPT_BROWSER,
        /** On any device: the user enters a one-time code at a verification page, and codex polls for the result. */
        CHATGPT_DEVICE_CODE
    }

    private final AppServerClient client;
    private final Method method;
    private final String loginId;
    private final URI url;
    private final String userCode;
    private final Mono<Void> completion;
    private volatile boolean cancelRequested;
    private volatile boolean ended;

    PendingLogin(AppServerClient client, Method method, String loginId, URI url, String userCode,
            LoginCompletions completions) {
        this.client = client;
        this.method = method;
        this.loginId = loginId;
        this.url = url;
        this.userCode = userCode;
        this.completion = completions.completionOf(loginId)
                .flatMap(this::outcome)
                // before subscribers hear of it, so isDone() is true for whoever reacts to the end
                .doOnTerminate(() -> ended = true)
                .cache();
        // Watch from now on, so the outcome is kept for subscribers that come later; errors surface there.
        this.completion.subscribe(null, error -> { });
    }

    /** How the user signs in. */
    public Method method() {
        return method;
    }

    /** codex's id of this login ({@code loginId}), also used to cancel it. */
    public String loginId() {
        return loginId;
    }

    /**
     * Where the user goes: for {@link Method#CHATGPT_BROWSER} the authorization URL to open in a browser on
     * this machine; for {@link Method#CHATGPT_DEVICE_CODE} the verification page, on any device.
     */
    public URI url() {
        return url;
    }

    /** The one-time code to enter at {@link #url()}; present only for {@link Method#CHATGPT_DEVICE_CODE}. */
    public Optional<String> userCode() {
        return Optional.ofNullable(userCode);
    }

    /** Completes once signed in; see the class comment for how it fails. */
    public Mono<Void> completion() {
        return completion;
    }

    /** {@code true} once codex has reported how the login ended (or the connection ended). */
    public boolean isDone() {
        return ended;
    }

    /**
     * Cancels the login ({@code account/login/cancel}): codex stops its callback server or its polling, and
     * {@link #completion()} fails with {@link LoginCancelledException}. Emits {@code true} if codex cancelled it,
     * {@code false} if it had already ended (codex answers {@code notFound}; the outcome stands).
     */
    public Mono<Boolean> cancel() {
        return Mono.defer(() -> {
            cancelRequested = true;
            return client.request(ClientMethods.ACCOUNT_LOGIN_CANCEL, new CancelLoginAccountParams(loginId))
                    .map(response -> response.status() == CancelLoginAccountStatus.CANCELED);
        });
    }

    /** The same login for callers that do not use Reactor. */
    public BlockingLogin blocking() {
        return new BlockingLogin(this);
    }

    private Mono<Void> outcome(AccountLoginCompletedNotification completed) {
        if (completed.success()) {
            return Mono.empty();
        }
        String reason = completed.error() == null ? "codex gave no reason"
                : SecretRedactor.tokenShapesOnly().redact(completed.error());
        return Mono.error(cancelRequested ? new LoginCancelledException(loginId, reason)
                : new LoginFailedException(loginId, reason));
    }

    @Override
    public String toString() {
        // Not the user code: it is meant for the user's eyes, not for log files.
        return "PendingLogin[" + method + ", loginId=" + loginId + ", url=" + url + "]";
    }
}
