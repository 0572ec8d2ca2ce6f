package dev.codex4j.examples.webflux;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.account.CodexAccount;
import dev.codex4j.appserver.protocol.types.ClientInfo;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.spring.boot.CodexClientCustomizer;
import dev.codex4j.spring.boot.CodexLifecycle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Where the one shared {@link AppServerClient} runs. The starter (codex4j-spring-boot-starter) makes the client
 * bean, starts it with the application and closes it on shutdown; this configuration only says which codex
 * it spawns, through a {@link CodexClientCustomizer}: offline, the pinned codex against a scripted model in a
 * throwaway CODEX_HOME, HOME and workspace ({@link RealCodex}); online, the pinned codex signed in with an
 * API key, also in a throwaway CODEX_HOME.
 */
@Configuration(proxyBeanMethods = false)
class CodexClientConfiguration {

    private static final Logger log = LoggerFactory.getLogger(CodexClientConfiguration.class);
    private static final ClientInfo CLIENT_INFO = new ClientInfo("codex4j-webflux-example", "codex4j WebFlux example", "0.1.0");

    /** Offline (the default): codex talks to a scripted model on 127.0.0.1 ({@link OfflineScript}). */
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

        @Bean
        CodexClientCustomizer offlineCodex(RealCodex codex) {
            return (member, builder) -> builder.clientInfo(CLIENT_INFO)
                    .executable(codex.executable()).arguments(codex.appServerArguments())
                    .environment(codex.environment()).inheritEnvironment(false).workingDirectory(codex.workspace());
        }
    }

    /** Online: the real service, signed in with OPENAI_API_KEY (or CODEX_API_KEY) in a throwaway CODEX_HOME. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "codex-example.online", havingValue = "true")
    static class Online {

        @Bean(destroyMethod = "close")
        TemporaryDirectory onlineCodexRoot() {
            return TemporaryDirectory.create("codex4j-webflux-example-");
        }

        @Bean
        CodexClientCustomizer onlineCodex(TemporaryDirectory root) {
            Path codexHome = root.directory("codex-home");
            Path workspace = root.directory("workspace");
            log.info("Online: codex works in {}", workspace);
            return (member, builder) -> builder.clientInfo(CLIENT_INFO)
                    .executable(RealCodex.resolveExecutable())
                    .environment(Map.of("CODEX_HOME", codexHome.toString()))
                    .workingDirectory(workspace);
        }

        /** Signs codex in once the starter has started it, before the application takes requests. */
        @Bean
        SmartLifecycle apiKeyLogin(AppServerClient client, CodexLifecycle codex) {
            String apiKey = apiKey();
            return new SmartLifecycle() {
                private volatile boolean running;

                @Override
                public void start() {
                    CodexAccount.of(client).blocking().loginApiKey(apiKey);
                    running = true;
                }

                @Override
                public void stop() {
                    running = false;
                }

                @Override
                public boolean isRunning() {
                    return running;
                }

                @Override
                public int getPhase() {
                    return codex.getPhase() + 1;   // right after the starter started codex
                }
            };
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
