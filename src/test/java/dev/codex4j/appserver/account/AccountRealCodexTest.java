package dev.codex4j.appserver.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.types.Account;
import dev.codex4j.appserver.protocol.types.AccountUpdatedNotification;
import dev.codex4j.appserver.protocol.types.AuthMode;
import dev.codex4j.appserver.protocol.types.GetAccountRateLimitsResponse;
import dev.codex4j.appserver.protocol.types.GetAccountResponse;
import dev.codex4j.appserver.protocol.types.PlanType;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedAuth;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sign-in end to end against the pinned codex binary, offline: API key, ChatGPT in a browser (the test plays
 * the browser, {@link ScriptedAuth} plays OpenAI's sign-in service and the ChatGPT backend) and ChatGPT with a
 * device code. Each test has its own {@code CODEX_HOME}. The browser logins share codex's fixed callback port
 * 1455 (1457 when it is taken), which is why they run one after another.
 */
@Timeout(120)
class AccountRealCodexTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String KEY = "sk-test-account-0123456789abcdef";

    private ScriptedAuth auth;
    private RealCodex codex;
    private AppServerClient client;
    private CodexAccount account;

    @BeforeEach
    void setUp() {
        auth = ScriptedAuth.start();
        codex = RealCodex.forModelAt("http://127.0.0.1:9/v1"); // no turn runs here
        auth.config().forEach(codex::withConfig);
        client = newClient();
        account = CodexAccount.of(client);
    }

    @AfterEach
    void tearDown() {
        client.close();
        auth.close();
        codex.close();
    }

    private AppServerClient newClient() {
        Map<String, String> environment = new HashMap<>(codex.environment());
        environment.putAll(auth.environment());
        AppServerClient c = codex.clientBuilder().environment(environment).requestTimeout(WAIT).build();
        c.start().block(WAIT);
        return c;
    }

    @Test
    void anApiKeyLoginShowsInAccountSurvivesARestartAndLogoutClearsIt() throws Exception {
        GetAccountResponse before = account.account().block(WAIT);
        assertThat(before.account()).isNull();
        assertThat(before.requiresOpenaiAuth()).isTrue();
        CompletableFuture<AccountUpdatedNotification> updated = account.updates().next().toFuture();

        account.loginApiKey(KEY).block(WAIT);

        assertThat(account.account().block(WAIT).account()).isInstanceOf(Account.ApiKey.class);
        assertThat(updated.get(WAIT.toSeconds(), TimeUnit.SECONDS).authMode()).isEqualTo(AuthMode.APIKEY);
        Path authJson = codex.codexHome().resolve("auth.json");
        assertThat(Files.readString(authJson)).contains("\"auth_mode\": \"apikey\"", KEY);

        // codex keeps the sign-in in CODEX_HOME: a new app-server process is signed in too.
        client.close();
        client = newClient();
        account = CodexAccount.of(client);
        assertThat(account.account().block(WAIT).account()).isInstanceOf(Account.ApiKey.class);

        account.blocking().logout();
        assertThat(account.blocking().account().account()).isNull();
        assertThat(authJson).doesNotExist();
        account.logout().block(WAIT); // signing out twice is fine
    }

    @Test
    void emptyBlankOrPaddedKeysAreRefusedBeforeCodexSeesThem() {
        assertThatThrownBy(() -> account.loginApiKey(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("apiKey");
        // codex 0.169.0 itself "signs in" with an empty or blank key and reports success.
        assertThatThrownBy(() -> account.loginApiKey("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be empty or blank");
        assertThatThrownBy(() -> account.blocking().loginApiKey("   ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be empty or blank");
        assertThatThrownBy(() -> account.loginApiKey(KEY + "\n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("leading or trailing whitespace")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(KEY));

        assertThat(account.account().block(WAIT).account()).isNull();
    }

    @Test
    void rateLimitsNeedAChatgptSignIn() {
        assertThatThrownBy(() -> account.rateLimits().block(WAIT)).isInstanceOf(ChatgptAuthRequiredException.class)
                .hasMessageContaining("codex account authentication required to read rate limits");
        account.loginApiKey(KEY).block(WAIT);
        assertThatThrownBy(() -> account.blocking().rateLimits()).isInstanceOf(ChatgptAuthRequiredException.class)
                .hasMessageContaining("chatgpt authentication required to read rate limits");
    }

    @Test
    void aBrowserLoginCompletesWhenTheBrowserComesBackThenRateLimitsAndLogoutWork() throws Exception {
        PendingLogin login = account.loginChatgpt().block(WAIT);

        assertThat(login.method()).isEqualTo(PendingLogin.Method.CHATGPT_BROWSER);
        assertThat(login.userCode()).isEmpty();
        assertThat(login.url().toString()).startsWith(auth.issuer() + "/oauth/authorize?");
        Map<String, String> query = query(login.url());
        assertThat(query).containsEntry("response_type", "code").containsEntry("code_challenge_method", "S256");
        assertThat(URI.create(query.get("redirect_uri")).getHost()).isEqualTo("127.0.0.1");
        assertThat(login.isDone()).isFalse();

        // codex answers the callback with a redirect to its own /success page and reports the login only once
        // the browser has loaded that page.
        HttpResponse<Void> page = browserReturns(login, Map.of("code", "authorization-code-1"));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.uri().getPath()).isEqualTo("/success");
        login.completion().block(WAIT);

        assertThat(login.isDone()).isTrue();
        assertThat(auth.requests()).anyMatch(r -> r.path().equals("/oauth/token")
                && r.body().contains("code=authorization-code-1"));
        GetAccountResponse signedIn = account.account().block(WAIT);
        assertThat(signedIn.account()).isEqualTo(new Account.Chatgpt(ScriptedAuth.EMAIL, PlanType.PLUS,
                ScriptedAuth.WORKSPACE_NAME));
        assertThat(signedIn.userId()).isEqualTo(ScriptedAuth.USER_ID);

        GetAccountRateLimitsResponse limits = account.rateLimits().block(WAIT);
        assertThat(limits.rateLimits().primary().usedPercent()).isEqualTo(42);
        assertThat(limits.rateLimits().primary().windowDurationMins()).isEqualTo(300L);
        assertThat(limits.rateLimits().credits().balance()).isEqualTo("12.5");

        account.logout().block(WAIT);
        assertThat(auth.arrivalAt("/oauth/revoke").get(WAIT.toSeconds(), TimeUnit.SECONDS).body())
                .contains(ScriptedAuth.REFRESH_TOKEN);
        assertThat(account.account().block(WAIT).account()).isNull();
    }

    @Test
    void cancellingABrowserLoginFailsItsCompletionAndClosesTheCallbackPort() throws Exception {
        PendingLogin login = account.loginChatgpt().block(WAIT);
        URI callback = URI.create(query(login.url()).get("redirect_uri"));

        assertThat(login.cancel().block(WAIT)).isTrue();

        assertThatThrownBy(() -> login.completion().block(WAIT)).isInstanceOf(LoginCancelledException.class)
                .hasMessageContaining(login.loginId())
                .satisfies(e -> assertThat(((LoginCancelledException) e).reason()).contains("Login was not completed"));
        assertThatThrownBy(() -> http().send(HttpRequest.newBuilder(callback).build(),
                HttpResponse.BodyHandlers.discarding())).isInstanceOf(ConnectException.class);
        assertThat(login.blocking().cancel()).as("a second cancel finds nothing to cancel").isFalse();
        assertThat(account.account().block(WAIT).account()).isNull();
    }

    @Test
    void aSignInRefusedInTheBrowserFailsWithCodexsReason() throws Exception {
        PendingLogin login = account.loginChatgpt().block(WAIT);

        browserReturns(login, Map.of("error", "access_denied", "error_description", "the user said no"));

        assertThatThrownBy(() -> login.blocking().await()).isInstanceOf(LoginFailedException.class)
                .isNotInstanceOf(LoginCancelledException.class)
                .satisfies(e -> assertThat(((LoginFailedException) e).reason())
                        .isEqualTo("Login server error: Sign-in failed: the user said no"));
        assertThat(auth.requests()).noneMatch(r -> r.path().equals("/oauth/token"));
    }

    @Test
    void aDeviceCodeLoginWaitsForTheUserAndCompletesOnceApproved() throws Exception {
        BlockingLogin login = account.blocking().loginChatgptDeviceCode();

        assertThat(login.method()).isEqualTo(PendingLogin.Method.CHATGPT_DEVICE_CODE);
        assertThat(login.url()).isEqualTo(URI.create(auth.issuer() + "/codex/device"));
        assertThat(login.userCode()).contains(ScriptedAuth.USER_CODE);
        assertThat(login.toString()).doesNotContain(ScriptedAuth.USER_CODE);
        auth.arrivalAt("/api/accounts/deviceauth/token").get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(login.await(Duration.ZERO)).as("still waiting for the user").isFalse();
        assertThat(login.isDone()).isFalse();

        auth.approveDevice();

        assertThat(login.await(WAIT)).isTrue();
        assertThat(account.account().block(WAIT).account()).isInstanceOfSatisfying(Account.Chatgpt.class,
                chatgpt -> assertThat(chatgpt.email()).isEqualTo(ScriptedAuth.EMAIL));
    }

    @Test
    void cancellingADeviceCodeLoginStopsIt() throws Exception {
        PendingLogin login = account.loginChatgptDeviceCode().block(WAIT);
        auth.arrivalAt("/api/accounts/deviceauth/token").get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(login.blocking().cancel()).isTrue();

        assertThatThrownBy(() -> login.blocking().await(WAIT)).isInstanceOf(LoginCancelledException.class);
        auth.approveDevice(); // too late: the login is over
        assertThat(account.account().block(WAIT).account()).isNull();
    }

    /** Plays the browser coming back to codex's callback with {@code params} and the login's state. */
    private static HttpResponse<Void> browserReturns(PendingLogin login, Map<String, String> params)
            throws Exception {
        Map<String, String> query = query(login.url());
        Map<String, String> all = new LinkedHashMap<>(params);
        all.put("state", query.get("state"));
        StringBuilder q = new StringBuilder();
        all.forEach((k, v) -> q.append(q.length() == 0 ? "" : "&").append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        URI callback = URI.create(query.get("redirect_uri") + "?" + q);
        return http().send(HttpRequest.newBuilder(callback).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.discarding());
    }

    /** A browser stand-in: follows redirects, never uses a proxy (codex's callback is on loopback). */
    private static HttpClient http() {
        return HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
                .followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(WAIT).build();
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> query = new LinkedHashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            query.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length == 2 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return query;
    }
}
