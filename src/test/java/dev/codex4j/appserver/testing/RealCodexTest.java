package dev.codex4j.appserver.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fixture's own contract, without starting codex. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RealCodexTest {

    @Test
    void argumentsPointCodexAtTheModelWithoutRetries() {
        try (RealCodex codex = RealCodex.forModelAt("http://127.0.0.1:4711/v1")) {
            List<String> arguments = codex.appServerArguments();

            assertThat(arguments).containsSubsequence("-c", "model_provider=\"mock\"");
            assertThat(arguments).anySatisfy(argument -> assertThat(argument)
                    .startsWith("model_providers.mock={")
                    .contains("base_url=\"http://127.0.0.1:4711/v1\"")
                    .contains("wire_api=\"responses\"")
                    .contains("request_max_retries=0")
                    .contains("stream_max_retries=0"));
            assertThat(arguments).contains("model=\"mock-model\"", "approval_policy=\"on-request\"",
                    "sandbox_mode=\"read-only\"", "features.plugins=false");
            assertThat(codex.command()).startsWith(codex.executable().toString(), "app-server");
        }
    }

    @Test
    void withConfigReplacesAValueInPlace() {
        try (RealCodex codex = RealCodex.forModelAt("http://127.0.0.1:4711/v1").withConfig("approval_policy", "\"never\"")) {
            assertThat(codex.appServerArguments())
                    .contains("approval_policy=\"never\"")
                    .doesNotContain("approval_policy=\"on-request\"");
        }
    }

    @Test
    void environmentIsIsolatedAndScrubbed() {
        try (RealCodex codex = RealCodex.forModelAt("http://127.0.0.1:4711/v1")) {
            Map<String, String> environment = codex.environment();

            assertThat(environment).containsEntry("CODEX_HOME", codex.codexHome().toString())
                    .containsEntry("HOME", codex.home().toString());
            assertThat(environment.keySet()).allSatisfy(name -> {
                assertThat(name.startsWith("CODEX_") && !name.equals("CODEX_HOME")).as(name).isFalse();
                assertThat(name.toUpperCase()).doesNotContain("OPENAI").doesNotEndWith("_PROXY");
            });
            assertThat(codex.processBuilder().directory().toPath()).isEqualTo(codex.workspace());
            assertThat(codex.processBuilder().environment()).isEqualTo(environment);
        }
    }

    @Test
    void closeDeletesTheTemporaryDirectories() throws IOException {
        RealCodex codex = RealCodex.forModelAt("http://127.0.0.1:4711/v1");
        Path nested = Files.createDirectories(codex.workspace().resolve("a/b"));
        Files.writeString(nested.resolve("file.txt"), "x");
        Path root = codex.workspace().getParent();

        codex.close();

        assertThat(root).doesNotExist();
    }

    @Test
    void missingExecutableExplainsHowToInstallIt() {
        String previous = System.getProperty(RealCodex.EXECUTABLE_PROPERTY);
        System.setProperty(RealCodex.EXECUTABLE_PROPERTY, "/nonexistent/codex");
        try {
            assertThatThrownBy(RealCodex::resolveExecutable)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("/nonexistent/codex")
                    .hasMessageContaining("scripts/install-codex.sh");
        } finally {
            if (previous == null) {
                System.clearProperty(RealCodex.EXECUTABLE_PROPERTY);
            } else {
                System.setProperty(RealCodex.EXECUTABLE_PROPERTY, previous);
            }
        }
    }
}
