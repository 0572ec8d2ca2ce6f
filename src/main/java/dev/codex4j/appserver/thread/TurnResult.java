package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.protocol.types.MessagePhase;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.protocol.types.ThreadTokenUsage;
import dev.codex4j.appserver.protocol.types.TurnError;
import dev.codex4j.appserver.protocol.types.TurnStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How a turn ended and what it produced.
 *
 * @param threadId the thread
 * @param turnId the turn
 * @param status {@link TurnStatus#COMPLETED}, {@link TurnStatus#FAILED} or {@link TurnStatus#INTERRUPTED}
 * @param finalResponse the text of the turn's last completed agent message (the one in phase
 *     {@code final_answer} if codex marked one), or {@code null} if there was none
 * @param items every item the turn completed, in order (user message, agent messages, commands, file
 *     changes, ...), as announced by {@code item/completed}
 * @param tokenUsage the thread's token usage as last reported during the turn ({@code last}: the turn's last
 *     model request, {@code total}: the thread so far), or {@code null} if none was reported
 * @param duration the turn's duration as measured by codex, or {@code null}
 * @param error for a failed turn, the error ({@code message}, {@code codexErrorInfo}); otherwise {@code null}
 */
public record TurnResult(
        String threadId,
        String turnId,
        TurnStatus status,
        String finalResponse,
        List<ThreadItem> items,
        ThreadTokenUsage tokenUsage,
        Duration duration,
        TurnError error) {

    public TurnResult {
        items = List.copyOf(items);
    }

    /** {@code true} if the turn completed (neither failed nor was interrupted). */
    public boolean isCompleted() {
        return status == TurnStatus.COMPLETED;
    }

    /**
     * {@code true} if the turn was interrupted: by {@link TurnHandle#interrupt()}, by cancelling
     * {@link CodexThread#run}, by a {@code CANCEL} approval decision, or by another client of the thread.
     */
    public boolean isInterrupted() {
        return status == TurnStatus.INTERRUPTED;
    }

    /** {@code true} if the turn failed; {@link #error()} says why. */
    public boolean isFailed() {
        return status == TurnStatus.FAILED;
    }

    /** This result if the turn completed; otherwise throws a {@link TurnFailedException} carrying it. */
    public TurnResult requireCompleted() {
        if (!isCompleted()) {
            throw new TurnFailedException(this);
        }
        return this;
    }

    /** The completed items of one kind, e.g. {@code itemsOf(ThreadItem.CommandExecution.class)}. */
    public <T extends ThreadItem> List<T> itemsOf(Class<T> type) {
        return items.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The text of the review, for a turn started by {@code review/start}. */
    public Optional<String> reviewText() {
        List<ThreadItem.ExitedReviewMode> exits = itemsOf(ThreadItem.ExitedReviewMode.class);
        return exits.isEmpty() ? Optional.empty() : Optional.ofNullable(exits.get(exits.size() - 1).review());
    }

    /** The final answer among completed items: the last agent message in phase final_answer, else the last one. */
    static String finalResponseOf(List<ThreadItem> items) {
        String last = null;
        String lastFinal = null;
        for (ThreadItem item : items) {
            if (item instanceof ThreadItem.AgentMessage message && message.text() != null) {
                last = message.text();
                if (message.phase() == MessagePhase.FINAL_ANSWER) {
                    lastFinal = message.text();
                }
            }
        }
        return lastFinal != null ? lastFinal : last;
    }
}
