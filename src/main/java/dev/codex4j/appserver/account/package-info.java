/**
 * Sign-in and account: the typed API over {@link dev.codex4j.appserver.AppServerClient} for the
 * {@code account/*} methods, as the official Python SDK's {@code login_api_key}, {@code login_chatgpt().wait()},
 * {@code login_chatgpt_device_code()} and {@code account()}.
 *
 * <pre>{@code
 * CodexAccount account = CodexAccount.of(client);
 * account.loginApiKey(apiKey).block();                        // stored in CODEX_HOME, completed
 * account.account().block().account();                        // Account.ApiKey
 *
 * PendingLogin login = account.loginChatgptDeviceCode().block();
 * System.out.println("Go to " + login.url() + " and enter " + login.userCode().orElseThrow());
 * login.completion().block();                                 // LoginFailedException if it did not work
 * }</pre>
 *
 * <ul>
 *   <li>{@link dev.codex4j.appserver.account.CodexAccount}: who is signed in, sign in (API key, ChatGPT in a
 *       browser, ChatGPT with a device code), sign out, rate limits and their updates.</li>
 *   <li>{@link dev.codex4j.appserver.account.PendingLogin}: a ChatGPT sign-in waiting for the user: its URL
 *       (and code), its completion, cancel.</li>
 *   <li>{@link dev.codex4j.appserver.account.BlockingCodexAccount} and
 *       {@link dev.codex4j.appserver.account.BlockingLogin}: the same without Reactor.</li>
 * </ul>
 *
 * <p>Each login ends exactly once, when codex reports {@code account/login/completed} for it; the report is
 * watched from before the login is requested, so it cannot be missed. An API key passed in never reaches a
 * log line, an exception message or a {@code toString}.
 */
package dev.codex4j.appserver.account;
