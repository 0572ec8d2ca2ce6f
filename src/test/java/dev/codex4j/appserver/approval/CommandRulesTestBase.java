package dev.codex4j.appserver.approval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codex4j.appserver.approval.CommandRules.CommandRule;
import dev.codex4j.appserver.protocol.ServerRequests;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the {@link CommandRules} tests share: the real command-approval request codex 0.169.0 sent (a fixture),
 * rebuilt with another command line, working directory or parsed actions; parsed-action nodes; and a rule
 * accepting {@code git status} and {@code echo}.
 */
abstract class CommandRulesTestBase {

    static final String FIXTURE = "command-approval-accept.jsonl";
    static final String METHOD = ServerRequests.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL.name();
    static final Path ROOT = Path.of("/srv/workspace");

    final TestApprovalContext context = new TestApprovalContext();

    final CommandRule gitStatusOrEcho = CommandRules.acceptPrefixes(
            List.of(List.of("git", "status"), List.of("echo")));

    // --- building requests from the real one codex 0.169.0 sent ---------------------------------------------

    ObjectNode realParams() {
        return context.fixtureRequest(FIXTURE, METHOD).params().deepCopy();
    }

    CommandExecutionRequestApprovalParams decode(ObjectNode params) {
        try {
            return context.mapper().treeToValue(params, CommandExecutionRequestApprovalParams.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The real request with this command line, working directory and parsed actions. */
    CommandExecutionRequestApprovalParams request(String command, String cwd, ObjectNode... actions) {
        ObjectNode params = realParams();
        params.put("command", command);
        params.put("cwd", cwd);
        ArrayNode array = params.putArray("commandActions");
        for (ObjectNode action : actions) {
            array.add(action);
        }
        return decode(params);
    }

    /** The real request for {@code script} run by a login shell, parsed by codex into one unknown action. */
    CommandExecutionRequestApprovalParams command(String script) {
        return request("/bin/bash -lc " + shellQuote(script), ROOT.toString(), unknown(script));
    }

    /** The real request with {@code commandLine} and no parsed actions. */
    CommandExecutionRequestApprovalParams unparsed(String commandLine) {
        return request(commandLine, ROOT.toString());
    }

    static String shellQuote(String script) {
        return "'" + script.replace("'", "'\\''") + "'";
    }

    ObjectNode unknown(String command) {
        return context.mapper().createObjectNode().put("type", "unknown").put("command", command);
    }

    ObjectNode read(String command, String path) {
        return context.mapper().createObjectNode().put("type", "read").put("command", command)
                .put("name", Path.of(path).getFileName().toString()).put("path", path);
    }

    ObjectNode listFiles(String command, String path) {
        return context.mapper().createObjectNode().put("type", "listFiles").put("command", command).put("path", path);
    }

    ObjectNode search(String command, String query, String path) {
        return context.mapper().createObjectNode().put("type", "search").put("command", command)
                .put("query", query).put("path", path);
    }

    Optional<CommandExecutionApprovalDecision> decide(CommandRule rule, CommandExecutionRequestApprovalParams p) {
        return rule.decide(p, context);
    }

    static CommandRule always(CommandExecutionApprovalDecision decision) {
        return (params, context) -> Optional.of(decision);
    }
}
