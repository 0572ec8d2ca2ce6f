package dev.codex4j.appserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.codegen.ProtocolGenerator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The committed generated sources are exactly what the generator makes from protocol-schema/ today. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProtocolSourcesUpToDateTest {
    private static final Path PROJECT = Path.of(System.getProperty("codex4j.project.dir", "."));

    @Test
    void committedSourcesMatchAFreshGeneration(@TempDir Path temp) throws IOException {
        String version = System.getProperty("codex4j.codex.version", "0.169.0");
        Map<String, String> fresh = ProtocolGenerator.generate(PROJECT.resolve("protocol-schema"), version);
        ProtocolGenerator.write(temp, fresh);
        Map<String, String> regenerated = ProtocolGenerator.committed(temp);
        Map<String, String> committed = ProtocolGenerator.committed(PROJECT.resolve("src/main/java"));

        assertThat(regenerated).isEqualTo(fresh);
        assertThat(committed.keySet())
                .as("generated files (run scripts/generate-protocol.sh)")
                .containsExactlyElementsOf(regenerated.keySet());
        for (Map.Entry<String, String> file : regenerated.entrySet()) {
            assertThat(committed.get(file.getKey()))
                    .as(file.getKey() + " is stale: run scripts/generate-protocol.sh")
                    .isEqualTo(file.getValue());
        }
    }

    @Test
    void generationIsDeterministic() throws IOException {
        String version = System.getProperty("codex4j.codex.version", "0.169.0");
        Path schema = PROJECT.resolve("protocol-schema");
        assertThat(ProtocolGenerator.generate(schema, version)).isEqualTo(ProtocolGenerator.generate(schema, version));
    }
}
