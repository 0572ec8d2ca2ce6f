package dev.codex4j.appserver.examples;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.AppServerClientBuilder;
import dev.codex4j.appserver.account.CodexAccount;
import dev.codex4j.appserver.protocol.types.ClientInfo;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where the workflow examples get their codex from. With {@code CODEX_API_KEY} or {@code OPENAI_API_KEY} set:
 * the pinned codex, signed in with that key in a throwaway {@code CODEX_HOME}, talking to the real service.
 * Without: the same codex offline, against a scripted model on 127.0.0.1 that plays the example's script, in
 * an isolated {@code CODEX_HOME}, {@code HOME} and workspace ({@link RealCodex}).
 *
 * <p>In your own code all of this is {@code AppServerClient.builder()} with your settings, and a sign-in
 * ({@code CodexAccount.of(client).blocking().loginApiKey(key)}) when codex has none yet.
 */
final class ExampleCodex implements AutoCloseable {

    private final String apiKey;
    private final ScriptedModel model;
    private final RealCodex offline;
    private final Path onlineRoot;

    private ExampleCodex(String apiKey, ScriptedModel model, RealCodex offline, Path onlineRoot) {
        this.apiKey = apiKey;
        this.model = model;
        this.offline = offline;
        this.onlineRoot = onlineRoot;
    }

    /** Online if an API key is set, else offline with {@code offlineScript}; says which on {@code out}. */
    static ExampleCodex fromEnvironment(PrintStream out, Reply... offlineScript) {
        String key = apiKeyFromEnvironment();
        if (key != null) {
            return online(key);
        }
        ExampleCodex codex = offline(offlineScript);
        out.println("(no CODEX_API_KEY/OPENAI_API_KEY: using a scripted model on " + codex.model.baseUrl() + ")");
        return codex;
    }

    /** Real codex against a scripted model that answers its requests with {@code script}, in order. */
    static ExampleCodex offline(Reply... script) {
        ScriptedModel model = ScriptedModel.start();
        model.enqueue(script);
        return new ExampleCodex(null, model, RealCodex.forModel(model), null);
    }

    /** Real codex and the real service, signed in with {@code apiKey}. */
    static ExampleCodex online(String apiKey) {
        try {
            Path root = Files.createTempDirectory("codex4j-example-");
            Files.createDirectory(root.resolve("codex-home"));   // codex refuses a CODEX_HOME that does not exist
            Files.createDirectory(root.resolve("workspace"));
            return new ExampleCodex(apiKey, null, null, root);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a temporary CODEX_HOME", e);
        }
    }

    static String apiKeyFromEnvironment() {
        for (String name : List.of("CODEX_API_KEY", "OPENAI_API_KEY")) {
            String value = System.getenv(name);
            if (value != null && !value.isBlank()) {
                return value.strip();
            }
        }
        return null;
    }

    /** A client builder for this codex; add your own settings (approvals, timeouts) before {@link #connect}. */
    AppServerClientBuilder builder() {
        AppServerClientBuilder builder = offline != null ? offline.clientBuilder()
                : AppServerClient.builder()
                        .executable(RealCodex.resolveExecutable())
                        .environment(Map.of("CODEX_HOME", onlineRoot.resolve("codex-home").toString()))
                        .arguments(List.of("-c", "approval_policy=\"on-request\"", "-c", "sandbox_mode=\"read-only\""))
                        .workingDirectory(workspace());
        return builder.clientInfo(new ClientInfo("codex4j-examples", "codex4j examples", "0.1.0"));
    }

    /** Builds and starts the client (spawn and handshake), signed in when online; closes it if that fails. */
    AppServerClient connect(AppServerClientBuilder builder) {
        AppServerClient client = builder.build();
        try {
            client.start().block();
            if (apiKey != null) {
                CodexAccount.of(client).blocking().loginApiKey(apiKey);
            }
            return client;
        } catch (RuntimeException | Error e) {
            client.close();
            throw e;
        }
    }

    /** The codex process's working directory: a fresh temporary directory. */
    Path workspace() {
        return offline != null ? offline.workspace() : onlineRoot.resolve("workspace");
    }

    /** The scripted model when offline (tests read its requests), else {@code null}. */
    ScriptedModel model() {
        return model;
    }

    /** Stops the scripted model and deletes the temporary directories (with the online sign-in in them). */
    @Override
    public void close() {
        if (offline != null) {
            model.close();
            offline.close();
            return;
        }
        try (Stream<Path> walk = Files.walk(onlineRoot)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + onlineRoot, e);
        }
    }
}
