package dev.codex4j.appserver.thread;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.approval.DynamicTool;
import dev.codex4j.appserver.protocol.types.ApprovalsReviewer;
import dev.codex4j.appserver.protocol.types.AskForApproval;
import dev.codex4j.appserver.protocol.types.Personality;
import dev.codex4j.appserver.protocol.types.SandboxMode;
import dev.codex4j.appserver.protocol.types.ThreadForkParams;
import dev.codex4j.appserver.protocol.types.ThreadResumeParams;
import dev.codex4j.appserver.protocol.types.ThreadStartParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
 *         .dynamicTool(DynamicTool.of("lookup_ticket", "Looks up a support ticket by id", TicketQuery.class,
 *                 query -> tickets.find(query.ticketId()).summary()))
 *         .build();
 * }</pre>
 *
 * <p><b>Dynamic tools</b> (codex's experimental API: build the client with {@code experimentalApi(true)}) are
 * Java functions the model may call. {@link CodexThreads#start} declares them in {@code thread/start} and
 * answers their calls during every turn this library runs on the thread (also with a turn's own
 * {@link TurnOptions.Builder#approvals approvals}); the client-wide {@code ApprovalDecisions} need not know
 * them. codex keeps the declarations with the thread: {@link CodexThreads#resume resume} and
 * {@link CodexThreads#fork fork} cannot change them, but take the tools to answer their calls (pass the same
 * ones again after a restart).
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
    private final ApprovalsReviewer approvalsReviewer;
    private final List<DynamicTool> dynamicTools;
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
        this.approvalsReviewer = b.approvalsReviewer;
        this.dynamicTools = List.copyOf(b.dynamicTools.values());
        this.config = Map.copyOf(b.config);
    }

    /** Nothing set: the server's configuration decides everything. */
    public static ThreadOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.model = model;
        b.cwd = cwd;
        b.approvalPolicy = approvalPolicy;
        b.sandbox = sandbox;
        b.baseInstructions = baseInstructions;
        b.developerInstructions = developerInstructions;
        b.personality = personality;
        b.ephemeral = ephemeral;
        b.approvalsReviewer = approvalsReviewer;
        dynamicTools.forEach(b::dynamicTool);
        b.config.putAll(config);
        return b;
    }

    /** The dynamic tools, in the order they were added; empty if none. */
    public List<DynamicTool> dynamicTools() {
        return dynamicTools;
    }

    ThreadStartParams toStartParams() {
        return ThreadStartParams.builder()
                .model(model).cwd(cwdText()).approvalPolicy(approvalPolicy).approvalsReviewer(approvalsReviewer)
                .sandbox(sandbox).baseInstructions(baseInstructions).developerInstructions(developerInstructions)
                .personality(personality).ephemeral(ephemeral).config(configOrNull())
                .dynamicTools(dynamicTools.isEmpty() ? null : dynamicTools.stream().map(DynamicTool::spec).toList())
                .build();
    }

    ThreadResumeParams toResumeParams(String threadId) {
        if (ephemeral != null) {
            throw new IllegalArgumentException("ephemeral applies to new threads only (start or fork), not to resume");
        }
        return ThreadResumeParams.builder().threadId(threadId)
                .model(model).cwd(cwdText()).approvalPolicy(approvalPolicy).approvalsReviewer(approvalsReviewer)
                .sandbox(sandbox)
                .baseInstructions(baseInstructions).developerInstructions(developerInstructions)
                .personality(personality).config(configOrNull())
                .build();
    }

    ThreadForkParams toForkParams(String threadId) {
        if (personality != null) {
            throw new IllegalArgumentException("thread/fork has no personality option in codex 0.169.0");
        }
        return ThreadForkParams.builder().threadId(threadId)
                .model(model).cwd(cwdText()).approvalPolicy(approvalPolicy).approvalsReviewer(approvalsReviewer)
                .sandbox(sandbox)
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
        private ApprovalsReviewer approvalsReviewer;
        private final Map<String, DynamicTool> dynamicTools = new LinkedHashMap<>();
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

        /**
         * Who reviews the thread's approval requests: {@link ApprovalsReviewer#USER} (this client's
         * {@code ApprovalDecisions}, codex's default) or {@link ApprovalsReviewer#AUTO_REVIEW} (a codex subagent
         * that approves or denies by risk, without asking the client).
         */
        public Builder approvalsReviewer(ApprovalsReviewer reviewer) {
            this.approvalsReviewer = Objects.requireNonNull(reviewer, "approvalsReviewer");
            return this;
        }

        /**
         * Offers a Java function to the model as a tool on this thread (experimental API: the client needs
         * {@code experimentalApi(true)}); see the class comment. Names must be unique.
         */
        public Builder dynamicTool(DynamicTool tool) {
            Objects.requireNonNull(tool, "tool");
            if (dynamicTools.putIfAbsent(tool.name(), tool) != null) {
                throw new IllegalArgumentException("a dynamic tool named '" + tool.name() + "' is already added");
            }
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
