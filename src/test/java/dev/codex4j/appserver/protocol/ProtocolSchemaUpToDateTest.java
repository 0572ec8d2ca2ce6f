package dev.codex4j.appserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** protocol-schema/ is exactly what the pinned codex binary exports ({@code generate-protocol-schema.sh --check}). */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ProtocolSchemaUpToDateTest {
    @Test
    void committedSchemaMatchesThePinnedBinary() throws IOException, InterruptedException {
        Path project = Path.of(System.getProperty("codex4j.project.dir", "."));
        Process process = new ProcessBuilder("bash", "scripts/generate-protocol-schema.sh", "--check")
                .directory(project.toFile())
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean finished = process.waitFor(240, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        assertThat(finished).as("schema check finished").isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("matches codex");
    }
}
