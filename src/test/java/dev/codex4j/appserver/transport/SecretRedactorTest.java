package dev.codex4j.appserver.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SecretRedactorTest {

    @Test
    void masksValuesOfSecretLookingVariables() {
        SecretRedactor redactor = SecretRedactor.forEnvironment(
                Map.of("OPENAI_API_KEY", "abc123secretvalue", "MY_TOKEN", "tok-999999", "HOME", "/home/me"),
                List.of());
        assertThat(redactor.redact("key abc123secretvalue and tok-999999 in /home/me"))
                .isEqualTo("key [REDACTED] and [REDACTED] in /home/me");
    }

    @Test
    void masksTokenShapesWithoutKnowingThem() {
        SecretRedactor redactor = SecretRedactor.tokenShapesOnly();
        assertThat(redactor.redact("using sk-proj-AbCdEf0123456789 now")).isEqualTo("using [REDACTED] now");
        assertThat(redactor.redact("Authorization: Bearer abc.def-ghi")).isEqualTo("Authorization: [REDACTED]");
        assertThat(redactor.redact("invalid websocket bearer token")).isEqualTo("invalid websocket bearer token");
        assertThat(redactor.redact("Bearer tokenized-secret-1")).isEqualTo("[REDACTED]");
        assertThat(redactor.redact("Bearer token-abc.def")).isEqualTo("[REDACTED]");
        assertThat(redactor.redact("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature"))
                .isEqualTo("jwt [REDACTED]");
    }

    @Test
    void leavesShortValuesAndOrdinaryTextAlone() {
        SecretRedactor redactor = SecretRedactor.forEnvironment(Map.of("API_KEY", "1"), List.of());
        assertThat(redactor.redact("thread 1 started")).isEqualTo("thread 1 started");
    }

    @Test
    void textCutOffInsideASecretHasThatPartMaskedToo() {
        SecretRedactor redactor = SecretRedactor.tokenShapesOnly().withSecrets(List.of("capability-0123456789"));
        assertThat(redactor.redactCut("refused capability-0123")).isEqualTo("refused [REDACTED]");
        assertThat(redactor.redactCut("capability-0123456789 refused, capab")).isEqualTo("[REDACTED] refused, [REDACTED]");
        assertThat(redactor.redactCut("nothing secret")).isEqualTo("nothing secret");
        assertThat(redactor.redact("refused capability-0123")).isEqualTo("refused capability-0123"); // not cut: no secret
    }
}
