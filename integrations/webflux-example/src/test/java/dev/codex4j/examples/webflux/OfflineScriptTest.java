package dev.codex4j.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The prompt goes into the offline demo's shell command only as letters, digits and spaces. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class OfflineScriptTest {

    @Test
    void shellMetacharactersNeverReachTheCommand() {
        assertThat(OfflineScript.echoable("it's $(rm -rf ~); `id` | cat > x && echo \"hi\"\nnext"))
                .isEqualTo("it s rm rf id cat x echo hi next");
    }

    @Test
    void longOrEmptyPromptsAreCutOrNamed() {
        assertThat(OfflineScript.echoable("a".repeat(100))).hasSize(40);
        assertThat(OfflineScript.echoable("!!!")).isEqualTo("your prompt");
        assertThat(OfflineScript.echoable("caf\u00e9 \u65e5\u672c")).isEqualTo("caf");
    }
}
