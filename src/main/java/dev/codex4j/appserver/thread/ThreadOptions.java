package dev.codex4j.appserver.thread;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.protocol.types.AskForApproval;
import dev.codex4j.appserver.protocol.types.Personality;
import dev.codex4j.appserver.protocol.types.SandboxMode;
import dev.codex4j.appserver.protocol.types.ThreadForkParams;
import dev.codex4j.appserver.protocol.types.ThreadResumeParams;
import dev.codex4j.appserver.protocol.types.ThreadStartParams;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How to start, resume or fork a thread. Unset options are not sent, so the server's configuration
 * ({@code config.toml}, {@code -c} arguments) decides them; for resume and fork, the thread's own settings.
 *
 * <pre>{@code
 * ThreadOptions options = ThreadOptions.builder()
 *         .model("gpt-5-codex")
 *         .cwd(Path.of("/srv/repo"))
 *         .approvalPolicy(AskForApproval.ON_REQUEST)
 *         .sandbox(SandboxMode.WORKSPACE_WRITE)
 *         .developerInstructions("Answer in one paragraph.")
 *         .config("model_reasoning_effort", TextNode.valueOf("high"))
 *         .build();
 * }</pre>
 */
public final class ThreadOptions {

    private static final ThreadOptions DEFAULTS = builder().build();

    private final String model;
    private final Path cwd;
    private final AskForApproval approvalPolicy;
    private final SandboxMode sandbox;
    private final String baseInstructions;
    private final String developerInstructions;
    private final Personality personality;
    private final Boolean ephemeral;
    private final Map<String, JsonNode> config;

    private ThreadOptions(Builder b) {
        this.model = b.model;
        this.cwd = b.cwd;
        this.approvalPolicy = b.approvalPolicy;
        this.sandbox = b.sandbox;
        this.baseInstructions = b.baseInstructions;
        this.developerInstructions = b.developerInstructions;
        this.personality = b.personality;
        this.ephemeral = b.ephemeral;
        this.config = Map.copyOf(b.config);
    }

    /** Nothing set: the server's configuration decides everything. */
    public static ThreadOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    ThreadStartParams toStartParams() {
        return ThreadStartParams.builder()
                .model(model).cwd(cwdText()).approvalPolicy(approvalPolicy).sandbox(sandbox)
                .baseInstructions(baseInstructions).developerInstructions(developerInstructions)
                .personality(personality).ephemeral(ephemeral).config(configOrNull())
                .build();
    }

    ThreadResumeParams toResumeParams(String threadId) {
        if (ephemeral != null) {
            throw new IllegalArgumentException("ephemeral applies to new threads only (start or fork), not to resume");
        }
        return ThreadResumeParams.builder().threadId(threadId)
                .model(model).cwd(cwdText()).approvalPolicy(approvalPolicy).sandbox(sandbox)
                .baseInstructions(baseInstructions).developerInstructions(developerInstructions)
                .personality(personality).config(configOrNull())
                .build();
    }

    ThreadForkParams toForkParams(String threadId) {
        if (personality != null) {
            throw new IllegalArgumentException("thread/fork has no personality option in codex 0.169.0");
        }
        return ThreadForkParams.builder().threadId(threadId)
                .model(model).cwd(cwdText()).approvalPolicy(approvalPolicy).sandbox(sandbox)
                .baseInstructions(baseInstructions).developerInstructions(developerInstructions)
                .ephemeral(ephemeral).config(configOrNull())
                .build();
    }

    private String cwdText() {
        return cwd == null ? null : cwd.toString();
    }

    private Map<String, JsonNode> configOrNull() {
        return config.isEmpty() ? null : config;
    }

    /** Collects thread options; every setter replaces an earlier value. */
    public static final class Builder {

        private String model;
        private Path cwd;
        private AskForApproval approvalPolicy;
        private SandboxMode sandbox;
        private String baseInstructions;
        private String developerInstructions;
        private Personality personality;
        private Boolean ephemeral;
        private final Map<String, JsonNode> config = new LinkedHashMap<>();

        private Builder() {}

        /** The model, e.g. {@code gpt-5-codex}. */
        public Builder model(String model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        /** The directory the agent works in; default: the app-server's working directory. */
        public Builder cwd(Path cwd) {
            this.cwd = Objects.requireNonNull(cwd, "cwd");
            return this;
        }

        /** When codex asks for approval, e.g. {@link AskForApproval#ON_REQUEST} or {@link AskForApproval#NEVER}. */
        public Builder approvalPolicy(AskForApproval policy) {
            this.approvalPolicy = Objects.requireNonNull(policy, "approvalPolicy");
            return this;
        }

        /** What commands may do without approval: read-only, workspace-write or danger-full-access. */
        public Builder sandbox(SandboxMode sandbox) {
            this.sandbox = Objects.requireNonNull(sandbox, "sandbox");
            return this;
        }

        /** Replaces codex's built-in system instructions. */
        public Builder baseInstructions(String instructions) {
            this.baseInstructions = Objects.requireNonNull(instructions, "baseInstructions");
            return this;
        }

        /** Added as a developer message: the usual way to give the agent standing instructions. */
        public Builder developerInstructions(String instructions) {
            this.developerInstructions = Objects.requireNonNull(instructions, "developerInstructions");
            return this;
        }

        /** Start and resume only. Deprecated by codex ("no longer selects a style") but still accepted. */
        public Builder personality(Personality personality) {
            this.personality = Objects.requireNonNull(personality, "personality");
            return this;
        }

        /** Start and fork only: {@code true} keeps the thread in memory, not in {@code CODEX_HOME}. */
        public Builder ephemeral(boolean ephemeral) {
            this.ephemeral = ephemeral;
            return this;
        }

        /** One config override, as a dotted {@code config.toml} key and its JSON value. */
        public Builder config(String key, JsonNode value) {
            config.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public ThreadOptions build() {
            return new ThreadOptions(this);
        }
    }
}
