package dev.codex4j.examples.webflux;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.protocol.types.FileUpdateChange;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.thread.TurnResult;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Turns a codex turn's notifications into the page's events: agent text deltas, commands with their output
 * and status, file changes with their diffs, errors, and the end of the turn. What the page does not show
 * (reasoning, token counts, status changes) is left out.
 */
final class TurnEvents {

    private final ObjectMapper json;

    TurnEvents(ObjectMapper json) {
        this.json = json;
    }

    /** Emits the page events for {@code event} (none, or one) to {@code out} as (name, payload). */
    void translate(ServerNotification event, BiConsumer<String, ObjectNode> out) {
        if (event instanceof ServerNotification.ItemAgentMessageDelta delta) {
            out.accept("text", json.createObjectNode()
                    .put("itemId", delta.params().itemId()).put("delta", delta.params().delta()));
        } else if (event instanceof ServerNotification.ItemCommandExecutionOutputDelta output) {
            out.accept("output", json.createObjectNode()
                    .put("itemId", output.params().itemId()).put("delta", output.params().delta()));
        } else if (event instanceof ServerNotification.ItemStarted started) {
            itemStarted(started.params().item(), out);
        } else if (event instanceof ServerNotification.ItemCompleted completed) {
            itemCompleted(completed.params().item(), out);
        } else if (event instanceof ServerNotification.Error error && error.params().error() != null) {
            out.accept("turnError", json.createObjectNode()
                    .put("message", error.params().error().message()).put("willRetry", error.params().willRetry()));
        }
    }

    private void itemStarted(ThreadItem item, BiConsumer<String, ObjectNode> out) {
        if (item instanceof ThreadItem.CommandExecution command) {
            out.accept("command", json.createObjectNode()
                    .put("itemId", command.id()).put("command", command.command()).put("cwd", command.cwd()));
        } else if (item instanceof ThreadItem.FileChange change) {
            ObjectNode data = json.createObjectNode().put("itemId", change.id());
            changes(data.putArray("changes"), change.changes());
            out.accept("fileChange", data);
        }
    }

    private void itemCompleted(ThreadItem item, BiConsumer<String, ObjectNode> out) {
        if (item instanceof ThreadItem.AgentMessage message) {
            out.accept("agentMessage", json.createObjectNode().put("itemId", message.id()).put("text", message.text()));
        } else if (item instanceof ThreadItem.CommandExecution command) {
            ObjectNode data = json.createObjectNode().put("itemId", command.id())
                    .put("status", command.status() == null ? null : command.status().wireValue())
                    .put("output", command.aggregatedOutput());
            if (command.exitCode() != null) {
                data.put("exitCode", command.exitCode());
            }
            out.accept("commandDone", data);
        } else if (item instanceof ThreadItem.FileChange change) {
            ObjectNode data = json.createObjectNode().put("itemId", change.id())
                    .put("status", change.status() == null ? null : change.status().wireValue());
            changes(data.putArray("changes"), change.changes());
            out.accept("fileChangeDone", data);
        }
    }

    /** The page event that ends the turn's stream: how it ended, and why if it did not complete. */
    ObjectNode done(TurnResult result) {
        ObjectNode data = json.createObjectNode().put("status", result.status().wireValue());
        if (result.error() != null) {
            data.put("error", result.error().message());
        }
        return data;
    }

    /** The end of a turn that could not report a result (refused, timed out, connection lost). */
    ObjectNode failed(Throwable error) {
        return json.createObjectNode().put("status", "failed").put("error", String.valueOf(error.getMessage()));
    }

    void changes(ArrayNode out, List<FileUpdateChange> changes) {
        if (changes == null) {
            return;
        }
        for (FileUpdateChange change : changes) {
            out.addObject().put("path", change.path()).put("kind", change.kind() == null ? null : change.kind().type())
                    .put("diff", change.diff());
        }
    }
}
