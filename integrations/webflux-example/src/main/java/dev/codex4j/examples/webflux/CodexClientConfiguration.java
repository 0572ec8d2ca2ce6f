package dev.codex4j.examples.webflux;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.AppServerClientBuilder;
import dev.codex4j.appserver.account.CodexAccount;
import dev.codex4j.appserver.protocol.types.ClientInfo;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The one {@link AppServerClient} the app shares between all tabs: the pinned codex (see
 * {@link RealCodex#resolveExecutable()}), offline against a scripted model or online with an API key. Spring
 * closes the client (and so stops codex) on shutdown, before the model and the temporary directories go.
 */
@Configuration(proxyBeanMethods = false)
class CodexClientConfiguration {

    private static final Logger log = LoggerFactory.getLogger(CodexClientConfiguration.class);
    private static final ClientInfo CLIENT_INFO = new ClientInfo("codex4j-webflux-example", "codex4j WebFlux example", "0.1.0");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    /** Offline (the default): codex in a throwaway CODEX_HOME, HOME and workspace, talking to a scripted model. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "codex-example.online", havingValue = "false", matchIfMissing = true)
    static class Offline {

        @Bean
        OfflineScript offlineScript() {
            return new OfflineScript();
        }

        @Bean(destroyMethod = "close")
        ScriptedModel scriptedModel(OfflineScript script) {
            ScriptedModel model = ScriptedModel.start();
            model.whenScriptEmpty(script::reply);
            log.info("Offline: codex talks to a scripted model on {}", model.baseUrl());
            return model;
        }

        @Bean(destroyMethod = "close")
        RealCodex realCodex(ScriptedModel model) {
            return RealCodex.forModel(model);
        }

        @Bean(destroyMethod = "close")
        AppServerClient codexClient(RealCodex codex) {
            return started(codex.clientBuilder(), null);
        }
    }

    /** Online: the real service, signed in with OPENAI_API_KEY (or CODEX_API_KEY) in a throwaway CODEX_HOME. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "codex-example.online", havingValue = "true")
    static class Online {

        @Bean(destroyMethod = "close")
        TemporaryDirectory onlineCodexHome() {
            return TemporaryDirectory.create("codex4j-webflux-example-");
        }

        @Bean(destroyMethod = "close")
        AppServerClient codexClient(TemporaryDirectory root) {
            String apiKey = apiKey();
            Path codexHome = root.directory("codex-home");
            Path workspace = root.directory("workspace");
            log.info("Online: codex works in {}", workspace);
            return started(AppServerClient.builder()
                    .executable(RealCodex.resolveExecutable())
                    .environment(Map.of("CODEX_HOME", codexHome.toString()))
                    .arguments(List.of("-c", "approval_policy=\"on-request\"", "-c", "sandbox_mode=\"read-only\""))
                    .workingDirectory(workspace), apiKey);
        }

        private static String apiKey() {
            for (String name : List.of("OPENAI_API_KEY", "CODEX_API_KEY")) {
                String value = System.getenv(name);
                if (value != null && !value.isBlank()) {
                    return value.strip();
                }
            }
            throw new IllegalStateException("codex-example.online=true needs OPENAI_API_KEY (or CODEX_API_KEY) set");
        }
    }

    /** Builds and starts the client (spawn and handshake), signed in with {@code apiKey} if given. */
    static AppServerClient started(AppServerClientBuilder builder, String apiKey) {
        AppServerClient client = builder.clientInfo(CLIENT_INFO).build();
        try {
            client.start().block(START_TIMEOUT);
            if (apiKey != null) {
                CodexAccount.of(client).blocking().loginApiKey(apiKey);
            }
            return client;
        } catch (RuntimeException | Error e) {
            client.close();
            throw e;
        }
    }

    /** A temporary directory deleted with everything in it when the application stops. */
    record TemporaryDirectory(Path path) implements AutoCloseable {

        static TemporaryDirectory create(String prefix) {
            try {
                return new TemporaryDirectory(Files.createTempDirectory(prefix));
            } catch (IOException e) {
                throw new UncheckedIOException("could not create a temporary directory", e);
            }
        }

        Path directory(String child) {
            try {
                return Files.createDirectories(path.resolve(child));
            } catch (IOException e) {
                throw new UncheckedIOException("could not create " + path.resolve(child), e);
            }
        }

        @Override
        public void close() {
            try (Stream<Path> walk = Files.walk(path)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not delete " + path, e);
            }
        }
    }
}
