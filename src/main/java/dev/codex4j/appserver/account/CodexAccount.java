package dev.codex4j.appserver.account;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.ClientMethods;
import dev.codex4j.appserver.protocol.ServerNotifications;
import dev.codex4j.appserver.protocol.types.AccountLoginCompletedNotification;
import dev.codex4j.appserver.protocol.types.AccountUpdatedNotification;
import dev.codex4j.appserver.protocol.types.GetAccountParams;
import dev.codex4j.appserver.protocol.types.GetAccountRateLimitsParams;
import dev.codex4j.appserver.protocol.types.GetAccountRateLimitsResponse;
import dev.codex4j.appserver.protocol.types.GetAccountResponse;
import dev.codex4j.appserver.protocol.types.LoginAccountParams;
import dev.codex4j.appserver.protocol.types.LoginAccountResponse;
import dev.codex4j.appserver.protocol.types.RateLimitSnapshot;
import dev.codex4j.appserver.rpc.AppServerException;
import java.net.URI;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Sign-in and account of one {@link AppServerClient}: who is signed in, sign in with an API key or with ChatGPT
 * (in a browser or with a device code), sign out, rate limits. Get it with {@link #of(AppServerClient)}; the
 * client must be started. codex keeps the sign-in in its {@code CODEX_HOME} ({@code auth.json}), so it outlives
 * the process.
 *
 * <pre>{@code
 * CodexAccount account = CodexAccount.of(client);
 * account.loginApiKey(System.getenv("OPENAI_API_KEY")).block();
 * GetAccountResponse who = account.account().block();   // who.account() is an Account.ApiKey
 *
 * PendingLogin login = account.loginChatgpt().block();
 * System.out.println("Open " + login.url());
 * login.completion().block();                           // once the browser came back
 * }</pre>
 *
 * <p><b>Secrets.</b> The API key goes to codex and nowhere else: not into a log line, an exception message or a
 * {@code toString} of this package; an error that would show it is rethrown with it masked.
 *
 * <p><b>One sign-in at a time.</b> codex keeps one sign-in per {@code CODEX_HOME}: each login replaces the
 * previous one, and starting a ChatGPT login cancels a pending one. API-key logins are told apart from one
 * another only by order, so run them one at a time.
 */
public final class CodexAccount {

    private final AppServerClient client;

    private CodexAccount(AppServerClient client) {
        this.client = client;
    }

    /** The account of {@code client}. Holds no state of its own: any number of these may share a client. */
    public static CodexAccount of(AppServerClient client) {
        return new CodexAccount(Objects.requireNonNull(client, "client"));
    }

    /**
     * Who is signed in ({@code account/read}): {@code account()} is {@code null} when no one is, an
     * {@code Account.ApiKey}, or an {@code Account.Chatgpt} with email, plan and workspace.
     * {@code requiresOpenaiAuth()} says whether the configured model provider needs an OpenAI sign-in at all.
     */
    public Mono<GetAccountResponse> account() {
        return client.request(ClientMethods.ACCOUNT_READ, new GetAccountParams(false));
    }

    /**
     * Signs in with an OpenAI API key and completes once codex has stored it ({@code account/login/start}
     * {@code apiKey}, then {@code account/login/completed}). codex does not check the key with OpenAI here;
     * a wrong key shows only when a turn runs.
     *
     * @throws NullPointerException if {@code apiKey} is null
     * @throws IllegalArgumentException if it is empty, blank or has surrounding whitespace (codex would accept
     *     an empty key); nothing is sent then
     * @return fails with {@link LoginFailedException} if codex refuses it (for instance with
     *     {@code forced_login_method = "chatgpt"}), the key masked in every message
     */
    public Mono<Void> loginApiKey(String apiKey) {
        ApiKeyLogin params = new ApiKeyLogin(apiKey);
        return Mono.defer(() -> {
            LoginCompletions completions = LoginCompletions.listen(client);
            return client.request(ClientMethods.ACCOUNT_LOGIN_START.name(), params, LoginAccountResponse.class)
                    .flatMap(response -> completions.completionOf(null))
                    .flatMap(completed -> apiKeyOutcome(completed, params))
                    .doFinally(signal -> completions.dispose())
                    .onErrorMap(params::scrub);
        });
    }

    /**
     * Starts a ChatGPT sign-in in a browser ({@code account/login/start} {@code chatgpt}) and emits it once
     * codex has its callback server listening: hand {@link PendingLogin#url()} to the user, then wait on
     * {@link PendingLogin#completion()}. codex opens no browser itself.
     */
    public Mono<PendingLogin> loginChatgpt() {
        return start(new LoginAccountParams.Chatgpt(null, null, null));
    }

    /**
     * Starts a ChatGPT sign-in with a device code ({@code account/login/start} {@code chatgptDeviceCode}): codex
     * asks OpenAI for a one-time code and emits the login once it has one; the user enters
     * {@link PendingLogin#userCode()} at {@link PendingLogin#url()} on any device while codex polls.
     */
    public Mono<PendingLogin> loginChatgptDeviceCode() {
        return start(new LoginAccountParams.ChatgptDeviceCode());
    }

    /**
     * Signs out ({@code account/logout}): codex deletes its stored sign-in (and, for ChatGPT, revokes the
     * tokens). Signing out when no one is signed in succeeds too.
     */
    public Mono<Void> logout() {
        return client.request(ClientMethods.ACCOUNT_LOGOUT, null).then();
    }

    /**
     * The ChatGPT plan's rate limits ({@code account/rateLimits/read}): used percentage and reset time per
     * window, credits.
     *
     * @return fails with {@link ChatgptAuthRequiredException} when signed out or signed in with an API key
     */
    public Mono<GetAccountRateLimitsResponse> rateLimits() {
        return client.request(ClientMethods.ACCOUNT_RATE_LIMITS_READ, GetAccountRateLimitsParams.builder().build())
                .onErrorMap(ChatgptAuthRequiredException::map);
    }

    /**
     * The rate-limit updates codex sends while turns run ({@code account/rateLimits/updated}); sparse: merge
     * them into the last {@link #rateLimits()} read. Hot, like {@link AppServerClient#notifications()}.
     */
    public Flux<RateLimitSnapshot> rateLimitUpdates() {
        return client.notifications(ServerNotifications.ACCOUNT_RATE_LIMITS_UPDATED).map(u -> u.rateLimits());
    }

    /** Sign-ins and sign-outs as codex reports them ({@code account/updated}: auth mode and plan). Hot. */
    public Flux<AccountUpdatedNotification> updates() {
        return client.notifications(ServerNotifications.ACCOUNT_UPDATED);
    }

    /** The same operations returning plain values, for callers that do not use Reactor. */
    public BlockingCodexAccount blocking() {
        return new BlockingCodexAccount(this);
    }

    private Mono<PendingLogin> start(LoginAccountParams params) {
        return Mono.defer(() -> {
            LoginCompletions completions = LoginCompletions.listen(client);
            return client.request(ClientMethods.ACCOUNT_LOGIN_START, params)
                    .map(response -> pending(response, completions))
                    // on success the PendingLogin owns the listener; otherwise nobody will take its completion
                    .doOnError(e -> completions.dispose())
                    .doOnCancel(completions::dispose);
        });
    }

    private PendingLogin pending(LoginAccountResponse response, LoginCompletions completions) {
        if (response instanceof LoginAccountResponse.Chatgpt browser) {
            return new PendingLogin(client, PendingLogin.Method.CHATGPT_BROWSER, browser.loginId(),
                    URI.create(browser.authUrl()), null, completions);
        }
        if (response instanceof LoginAccountResponse.ChatgptDeviceCode device) {
            return new PendingLogin(client, PendingLogin.Method.CHATGPT_DEVICE_CODE, device.loginId(),
                    URI.create(device.verificationUrl()), device.userCode(), completions);
        }
        throw new AppServerException("account/login/start answered a '" + response.type() + "' login; expected a ChatGPT one");
    }

    private static Mono<Void> apiKeyOutcome(AccountLoginCompletedNotification completed, ApiKeyLogin params) {
        if (completed.success()) {
            return Mono.empty();
        }
        String reason = completed.error() == null ? "codex gave no reason" : params.redactor().redact(completed.error());
        return Mono.error(new LoginFailedException(null, reason));
    }
}
