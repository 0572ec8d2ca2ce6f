package dev.codex4j.appserver.account;

import dev.codex4j.appserver.protocol.types.GetAccountRateLimitsResponse;
import dev.codex4j.appserver.protocol.types.GetAccountResponse;

/**
 * {@link CodexAccount} for callers that do not use Reactor: the same operations, blocking the calling thread
 * until codex has answered. Call it from your own threads (a Reactor non-blocking thread refuses to block, with
 * an {@link IllegalStateException}).
 *
 * <pre>{@code
 * BlockingCodexAccount account = CodexAccount.of(client).blocking();
 * account.loginApiKey(apiKey);
 * Account who = account.account().account();      // Account.ApiKey
 *
 * BlockingLogin login = account.loginChatgpt();      // returns as soon as the URL is there
 * System.out.println("Open " + login.url());
 * login.await();                                     // until the browser came back
 * }</pre>
 */
public final class BlockingCodexAccount {

    private final CodexAccount account;

    BlockingCodexAccount(CodexAccount account) {
        this.account = account;
    }

    /** See {@link CodexAccount#account()}. */
    public GetAccountResponse account() {
        return account.account().block();
    }

    /**
     * See {@link CodexAccount#loginApiKey(String)}.
     *
     * @throws IllegalArgumentException if the key is empty, blank or has surrounding whitespace
     * @throws LoginFailedException if codex refuses it
     */
    public void loginApiKey(String apiKey) {
        account.loginApiKey(apiKey).block();
    }

    /** Starts a ChatGPT sign-in in a browser and returns once its URL is there; see {@link CodexAccount#loginChatgpt()}. */
    public BlockingLogin loginChatgpt() {
        return account.loginChatgpt().block().blocking();
    }

    /** Starts a ChatGPT device-code sign-in and returns once its code is there; see {@link CodexAccount#loginChatgptDeviceCode()}. */
    public BlockingLogin loginChatgptDeviceCode() {
        return account.loginChatgptDeviceCode().block().blocking();
    }

    /** See {@link CodexAccount#logout()}. */
    public void logout() {
        account.logout().block();
    }

    /**
     * See {@link CodexAccount#rateLimits()}.
     *
     * @throws ChatgptAuthRequiredException when signed out or signed in with an API key
     */
    public GetAccountRateLimitsResponse rateLimits() {
        return account.rateLimits().block();
    }

    /** The reactive API behind this facade. */
    public CodexAccount reactive() {
        return account;
    }
}
