package dev.codex4j.appserver.thread;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.types.AskForApproval;
import dev.codex4j.appserver.protocol.types.SandboxPolicy;
import dev.codex4j.appserver.protocol.types.TurnStartParams;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings for one turn. Unset options are not sent: the thread's settings apply. Codex keeps the model,
 * effort, cwd, sandbox and approval policy of a turn for the turns after it.
 *
 * <pre>{@code
 * TurnOptions options = TurnOptions.builder()
 *         .model("gpt-5-codex").effort("high")
 *         .approvals(ApprovalDecisions.builder()                  // this turn only, before the client-wide ones
 *                 .onCommandExecution(req -> ApprovalDecision.ACCEPT).build())
 *         .timeout(Duration.ofMinutes(10))                        // interrupt and fail after 10 minutes
 *         .inactivityTimeout(Duration.ofMinutes(2))               // ... or after 2 minutes without an event
 *         .build();
 * }</pre>
 */
public final class TurnOptions {

    /** How many of its latest events a turn keeps for late subscribers, unless {@link Builder#eventHistory} says otherwise. */
    public static final int DEFAULT_EVENT_HISTORY = 10_000;

    private static final TurnOptions DEFAULTS = builder().build();

    private final String model;
    private final String effort;
    private final Path cwd;
    private final SandboxPolicy sandboxPolicy;
    private final AskForApproval approvalPolicy;
    private final ApprovalDecisions approvals;
    private final Duration timeout;
    private final Duration inactivityTimeout;
    private final JsonNode outputSchema;
    private final int eventHistory;

    private TurnOptions(Builder b) {
        this.model = b.model;
        this.effort = b.effort;
        this.cwd = b.cwd;
        this.sandboxPolicy = b.sandboxPolicy;
        this.approvalPolicy = b.approvalPolicy;
        this.approvals = b.approvals;
        this.timeout = b.timeout;
        this.inactivityTimeout = b.inactivityTimeout;
        this.outputSchema = b.outputSchema;
        this.eventHistory = b.eventHistory;
    }

    /** Nothing set. */
    public static TurnOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.model = model;
        b.effort = effort;
        b.cwd = cwd;
        b.sandboxPolicy = sandboxPolicy;
        b.approvalPolicy = approvalPolicy;
        b.approvals = approvals;
        b.timeout = timeout;
        b.inactivityTimeout = inactivityTimeout;
        b.outputSchema = outputSchema;
        b.eventHistory = eventHistory;
        return b;
    }

    /** The per-turn approval handlers, or {@code null} for the client-wide ones. */
    public ApprovalDecisions approvals() {
        return approvals;
    }

    /** The deadline of the whole turn, or {@code null} for none. */
    public Duration timeout() {
        return timeout;
    }

    /** The longest silence between two events of the turn, or {@code null} for no limit. */
    public Duration inactivityTimeout() {
        return inactivityTimeout;
    }

    /** The JSON Schema the final message must follow, or {@code null}. */
    public JsonNode outputSchema() {
        return outputSchema;
    }

    /** How many of its latest events the turn keeps for late subscribers of {@link TurnHandle#events()}. */
    public int eventHistory() {
        return eventHistory;
    }

    TurnStartParams toStartParams(String threadId, TurnInput input) {
        return TurnStartParams.builder()
                .threadId(threadId).input(input.items())
                .model(model).effort(effort).cwd(cwd == null ? null : cwd.toString())
                .sandboxPolicy(sandboxPolicy).approvalPolicy(approvalPolicy).outputSchema(outputSchema)
                .build();
    }

    /** Collects turn options; every setter replaces an earlier value. */
    public static final class Builder {

        private String model;
        private String effort;
        private Path cwd;
        private SandboxPolicy sandboxPolicy;
        private AskForApproval approvalPolicy;
        private ApprovalDecisions approvals;
        private Duration timeout;
        private Duration inactivityTimeout;
        private JsonNode outputSchema;
        private int eventHistory = DEFAULT_EVENT_HISTORY;

        private Builder() {}

        public Builder model(String model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        /** Reasoning effort, e.g. {@code "low"}, {@code "medium"}, {@code "high"}. */
        public Builder effort(String effort) {
            this.effort = Objects.requireNonNull(effort, "effort");
            return this;
        }

        public Builder cwd(Path cwd) {
            this.cwd = Objects.requireNonNull(cwd, "cwd");
            return this;
        }

        /** E.g. {@code new SandboxPolicy.ReadOnly(false)} or {@code new SandboxPolicy.DangerFullAccess()}. */
        public Builder sandboxPolicy(SandboxPolicy policy) {
            this.sandboxPolicy = Objects.requireNonNull(policy, "sandboxPolicy");
            return this;
        }

        public Builder approvalPolicy(AskForApproval policy) {
            this.approvalPolicy = Objects.requireNonNull(policy, "approvalPolicy");
            return this;
        }

        /**
         * Answers this turn's approval requests, taking precedence over the client-wide
         * {@code ApprovalDecisions} for the request kinds it has a handler for, until the turn ends.
         */
        public Builder approvals(ApprovalDecisions approvals) {
            this.approvals = Objects.requireNonNull(approvals, "approvals");
            return this;
        }

        /**
         * The turn's deadline: when it passes, the turn is interrupted and its result fails with a
         * {@link TurnTimeoutException}.
         */
        public Builder timeout(Duration timeout) {
            this.timeout = positive(timeout, "timeout");
            return this;
        }

        /**
         * The longest the turn may go without an event (a delta, an item, a status change); then it is
         * interrupted and its result fails with a {@link TurnTimeoutException}. Note that an approval handler
         * deciding slowly, or a long quiet command, is silence too.
         */
        public Builder inactivityTimeout(Duration timeout) {
            this.inactivityTimeout = positive(timeout, "inactivityTimeout");
            return this;
        }

        /**
         * Constrains the final message to this JSON Schema (OpenAI strict mode: every object needs
         * {@code additionalProperties:false} and every property listed in {@code required}).
         * {@link CodexThread#run(TurnInput, TurnOptions, Class)} derives it from a record.
         */
        public Builder outputSchema(JsonNode schema) {
            this.outputSchema = Objects.requireNonNull(schema, "outputSchema");
            return this;
        }

        /**
         * How many of its latest events the turn keeps for subscribers of {@link TurnHandle#events()} that
         * come late (default {@value TurnOptions#DEFAULT_EVENT_HISTORY}, at least 1); older ones are dropped
         * from the replay, and a late subscriber is told how many it missed (see {@link TurnHandle}). Events are
         * kept from the start of the turn, whether or not anyone subscribes. The result does not depend on it.
         */
        public Builder eventHistory(int maxEvents) {
            if (maxEvents < 1) {
                throw new IllegalArgumentException("eventHistory must be at least 1: " + maxEvents);
            }
            this.eventHistory = maxEvents;
            return this;
        }

        public TurnOptions build() {
            return new TurnOptions(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
