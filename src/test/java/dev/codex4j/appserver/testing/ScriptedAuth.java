package dev.codex4j.appserver.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * A scripted stand-in for OpenAI's sign-in service and the ChatGPT backend, so codex's ChatGPT logins run
 * offline, end to end. codex 0.169.0 is pointed at it by {@link #environment()} and {@link #config()}: the
 * issuer ({@code CODEX_APP_SERVER_LOGIN_ISSUER}), token refresh and revocation
 * ({@code CODEX_REFRESH_TOKEN_URL_OVERRIDE}, {@code CODEX_REVOKE_TOKEN_URL_OVERRIDE}) and the backend
 * ({@code chatgpt_base_url}); the remote-control websocket, which would start once ChatGPT auth exists, is off.
 *
 * <p>Serves on 127.0.0.1 (ephemeral port), records every request, and answers:
 * <ul>
 *   <li>{@code POST /oauth/token}: an authorization code gets unsigned JWTs for {@link #EMAIL} on the
 *       {@code plus} plan, account {@link #ACCOUNT_ID}; the token exchange gets {@link #EXCHANGED_API_KEY};
 *       {@link #failTokenExchange(int, String)} makes it fail instead.</li>
 *   <li>{@code POST /oauth/revoke}: 200.</li>
 *   <li>{@code POST /api/accounts/deviceauth/usercode}: user code {@link #USER_CODE}, poll every second;
 *       {@code POST /api/accounts/deviceauth/token}: 403 (pending) until {@link #approveDevice()}, then a code.</li>
 *   <li>{@code GET /backend-api/wham/accounts/check}: the workspace routing codex needs to finish a ChatGPT
 *       login ({@link #WORKSPACE_NAME}); its backend origin is an https port on loopback where nothing listens.</li>
 *   <li>{@code GET /backend-api/wham/usage}: 42 % of a 5-hour window used, credits 12.5.</li>
 *   <li>anything else: 404.</li>
 * </ul>
 */
public final class ScriptedAuth implements AutoCloseable {

    public static final String EMAIL = "dev@example.com";
    public static final String ACCOUNT_ID = "acct-scripted";
    public static final String USER_ID = "user-scripted";
    public static final String WORKSPACE_NAME = "Scripted Workspace";
    public static final String USER_CODE = "CODE-4242";
    public static final String REFRESH_TOKEN = "rt-scripted-refresh-token";
    public static final String EXCHANGED_API_KEY = "sk-scripted-exchanged-0123456789";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as it arrived. */
    public record Request(String method, String path, String body) {}

    private final LoopbackHttpServer server;
    private final Object lock = new Object();
    private final List<Request> requests = new ArrayList<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private volatile boolean deviceApproved;
    private volatile int tokenFailureStatus;
    private volatile String tokenFailureDescription;

    private record Waiter(Predicate<Request> match, CompletableFuture<Request> future) {}

    private ScriptedAuth() {
        this.server = LoopbackHttpServer.serve("scripted-auth", this::handle);
    }

    /** Starts the server on 127.0.0.1 with an ephemeral port. */
    public static ScriptedAuth start() {
        return new ScriptedAuth();
    }

    /** The issuer URL, e.g. {@code http://127.0.0.1:4711}. */
    public String issuer() {
        return "http://127.0.0.1:" + server.port();
    }

    /** The variables that point codex's sign-in at this server (add them to {@link RealCodex#environment()}). */
    public Map<String, String> environment() {
        return Map.of(
                "CODEX_APP_SERVER_LOGIN_ISSUER", issuer(),
                "CODEX_REFRESH_TOKEN_URL_OVERRIDE", issuer() + "/oauth/token",
                // Without it, logging out of ChatGPT revokes the token at https://auth.openai.com/oauth/revoke.
                "CODEX_REVOKE_TOKEN_URL_OVERRIDE", issuer() + "/oauth/revoke",
                // Once ChatGPT auth exists, codex would otherwise open a websocket to the ChatGPT backend.
                "CODEX_INTERNAL_APP_SERVER_REMOTE_CONTROL_DISABLED", "1");
    }

    /**
     * The config keys (TOML values) that make codex sign in against this server: the built-in {@code openai}
     * provider (with a custom provider that does not require OpenAI auth, {@code account/read} answers no
     * account even after a successful login), its API and the ChatGPT backend both on this server.
     */
    public Map<String, String> config() {
        return Map.of("model_provider", "\"openai\"",
                "openai_base_url", "\"" + issuer() + "/v1\"",
                "chatgpt_base_url", "\"" + issuer() + "/backend-api/\"");
    }

    /** Lets the pending device-code login through: the next poll gets an authorization code. */
    public void approveDevice() {
        deviceApproved = true;
    }

    /** Makes the authorization-code exchange fail with {@code status} and {@code error_description}. */
    public void failTokenExchange(int status, String description) {
        tokenFailureDescription = description;
        tokenFailureStatus = status;
    }

    /** A snapshot of the requests so far, in arrival order. */
    public List<Request> requests() {
        synchronized (lock) {
            return List.copyOf(requests);
        }
    }

    /** Completes with the first request (past or future) to {@code path} (the path without the query). */
    public CompletableFuture<Request> arrivalAt(String path) {
        Predicate<Request> match = r -> r.path().equals(path);
        synchronized (lock) {
            for (Request r : requests) {
                if (match.test(r)) {
                    return CompletableFuture.completedFuture(r);
                }
            }
            CompletableFuture<Request> future = new CompletableFuture<>();
            waiters.add(new Waiter(match, future));
            return future;
        }
    }

    @Override
    public void close() {
        server.close();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = exchange.getRequestURI().getPath();
            Request request = new Request(exchange.getRequestMethod(), path, body);
            List<CompletableFuture<Request>> arrived = new ArrayList<>();
            synchronized (lock) {
                requests.add(request);
                waiters.removeIf(w -> {
                    if (w.match().test(request)) {
                        arrived.add(w.future());
                        return true;
                    }
                    return false;
                });
            }
            arrived.forEach(f -> f.complete(request));
            answer(exchange, request);
        }
    }

    private void answer(HttpExchange exchange, Request request) throws IOException {
        String path = request.path();
        switch (path) {
            case "/oauth/token" -> {
                if (request.body().contains("token-exchange")) {
                    send(exchange, 200, JSON.createObjectNode().put("access_token", EXCHANGED_API_KEY));
                } else if (tokenFailureStatus != 0) {
                    send(exchange, tokenFailureStatus, JSON.createObjectNode().put("error", "invalid_grant")
                            .put("error_description", tokenFailureDescription));
                } else {
                    String jwt = jwt();
                    send(exchange, 200, JSON.createObjectNode().put("id_token", jwt).put("access_token", jwt)
                            .put("refresh_token", REFRESH_TOKEN));
                }
            }
            case "/oauth/revoke" -> send(exchange, 200, JSON.createObjectNode());
            case "/api/accounts/deviceauth/usercode" -> send(exchange, 200, JSON.createObjectNode()
                    .put("device_auth_id", "device-auth-1").put("user_code", USER_CODE).put("interval", "1"));
            case "/api/accounts/deviceauth/token" -> {
                if (deviceApproved) {
                    send(exchange, 200, JSON.createObjectNode().put("authorization_code", "device-code-1")
                            .put("code_challenge", "challenge").put("code_verifier", "verifier"));
                } else {
                    send(exchange, 403, JSON.createObjectNode().put("error", "authorization_pending"));
                }
            }
            case "/backend-api/wham/accounts/check" -> {
                ObjectNode account = JSON.createObjectNode().put("id", ACCOUNT_ID).put("name", WORKSPACE_NAME)
                        .put("plan_type", "plus").put("account_routing_override", "NO_CONSTRAINT")
                        // codex insists on an https origin; port 9 on loopback: nothing there, nothing leaves.
                        .put("workspace_backend_origin", "https://127.0.0.1:9");
                ObjectNode check = JSON.createObjectNode().put("default_account_id", ACCOUNT_ID);
                check.putArray("accounts").add(account);
                check.putArray("account_ordering").add(ACCOUNT_ID);
                send(exchange, 200, check);
            }
            case "/backend-api/wham/usage" -> {
                ObjectNode usage = JSON.createObjectNode().put("plan_type", "plus");
                ObjectNode limit = usage.putObject("rate_limit").put("allowed", true).put("limit_reached", false);
                limit.putObject("primary_window").put("used_percent", 42).put("limit_window_seconds", 18000)
                        .put("reset_after_seconds", 600).put("reset_at", 1_900_000_000L);
                limit.putNull("secondary_window");
                usage.putObject("credits").put("has_credits", true).put("unlimited", false).put("balance", "12.5");
                send(exchange, 200, usage);
            }
            default -> send(exchange, 404, JSON.createObjectNode().put("error", "not scripted: " + path));
        }
    }

    private static String jwt() {
        ObjectNode claims = JSON.createObjectNode().put("email", EMAIL)
                .put("exp", Instant.now().plusSeconds(3600).getEpochSecond());
        claims.putObject("https://api.openai.com/auth").put("chatgpt_plan_type", "plus")
                .put("chatgpt_account_id", ACCOUNT_ID).put("chatgpt_user_id", USER_ID);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        // codex reads the claims without checking the signature.
        return b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8)) + ".c2ln";
    }

    private static void send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
