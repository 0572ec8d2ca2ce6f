package dev.codex4j.modulecheck;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.account.CodexAccount;
import dev.codex4j.appserver.account.LoginFailedException;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.approval.CommandRules;
import dev.codex4j.appserver.approval.RecordSchemas;
import dev.codex4j.appserver.protocol.ClientMethods;
import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.protocol.types.ThreadStartParams;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Uses the library as a user's code does when the library is on the module path: from outside its module,
 * through the exported packages only, with Jackson and victools reaching the library's records through the
 * module's {@code opens}. Run by {@code ModuleBoundaryTest} in a JVM of its own; prints "module ok" or throws.
 *
 * <p>Arguments: the fake app-server script, and a directory for its {@code CODEX_HOME}.
 */
public final class ModuleSmoke {

    private static final Duration WAIT = Duration.ofSeconds(20);

    /** A record of the caller's own, for the schema generator. */
    record Verdict(String summary, int score) {}

    public static void main(String[] args) throws Exception {
        Module library = AppServerClient.class.getModule();
        check(library.isNamed(), "the library is not a named module: " + library);
        check(!library.isExported("dev.codex4j.appserver.session"), "the session package is exported");
        check(library.isExported("dev.codex4j.appserver.protocol.types"), "the protocol types are not exported");

        JsonNode schema = RecordSchemas.of(Verdict.class);
        check(schema.path("properties").has("score"), "schema without score: " + schema);

        try (AppServerClient client = AppServerClient.builder()
                .executable(Path.of(args[0]))
                .environment(Map.of("CODEX_HOME", args[1]))
                .approvals(ApprovalDecisions.builder()
                        .commandRules(CommandRules.acceptPrefixes(List.of(List.of("git", "status"))))
                        .build())
                .build()) {
            check(client.start().block(WAIT).userAgent().equals("fake/0.0.0"), "unexpected handshake");

            CompletableFuture<ServerNotification> started = client.typedNotifications()
                    .filter(n -> n instanceof ServerNotification.ThreadStarted).next().toFuture();
            String threadId = client.request(ClientMethods.THREAD_START, ThreadStartParams.builder().build())
                    .block(WAIT).thread().id();
            check(threadId.startsWith("fake-thread-"), "thread id " + threadId);
            check(started.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS) != null, "no thread/started");

            JsonNode reply = client.request("fake/serverRequest", Map.of(
                    "method", "item/commandExecution/requestApproval",
                    "params", Map.of("threadId", threadId, "turnId", "u", "itemId", "i",
                            "command", "git status", "cwd", args[1]))).block(WAIT).path("reply");
            check(reply.path("result").path("decision").asText().equals("accept"), "approval reply " + reply);

            // The API-key params are a package-private type writing its own JSON: it must serialize on the
            // module path, where Jackson gets no reflective access to the account package.
            try {
                CodexAccount.of(client).loginApiKey("sk-module-smoke-0123456789").block(WAIT);
                check(false, "the fake server knows no account/login/start, yet the login succeeded");
            } catch (LoginFailedException e) {
                check(e.reason().contains("method not found: account/login/start"), "login failure " + e);
            }
        }
        System.out.println("module ok");
    }

    private static void check(boolean condition, String failure) {
        if (!condition) {
            throw new AssertionError(failure);
        }
    }
}
