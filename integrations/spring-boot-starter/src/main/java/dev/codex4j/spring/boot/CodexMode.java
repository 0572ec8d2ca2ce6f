package dev.codex4j.spring.boot;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Whether the properties ask for one client or a pool ({@link CodexProperties#isPooled()}). */
abstract class CodexMode extends SpringBootCondition {

    private final boolean pooled;

    CodexMode(boolean pooled) {
        this.pooled = pooled;
    }

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        CodexProperties properties = Binder.get(context.getEnvironment())
                .bindOrCreate("codex", CodexProperties.class);
        boolean isPooled = properties.isPooled();
        String what = isPooled ? "a pool (codex.pool.size > 1 or several codex.endpoints)" : "one client";
        return isPooled == pooled ? ConditionOutcome.match("codex.* configures " + what)
                : ConditionOutcome.noMatch("codex.* configures " + what);
    }

    static final class Single extends CodexMode {
        Single() {
            super(false);
        }
    }

    static final class Pooled extends CodexMode {
        Pooled() {
            super(true);
        }
    }
}
