package dev.codex4j.appserver.approval;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An approval the server asks for.
 *
 * @param method {@code item/commandExecution/requestApproval} or {@code item/fileChange/requestApproval}
 * @param threadId the thread the turn runs in
 * @param turnId the turn
 * @param itemId the item (command or file change) awaiting approval
 * @param reason why codex asks, or {@code null}
 * @param params the request's full parameters as sent (for commands: {@code command}, {@code cwd},
 *     {@code commandActions}, {@code availableDecisions}, ...)
 */
public record ApprovalRequest(
        String method, String threadId, String turnId, String itemId, String reason, JsonNode params) {

    static ApprovalRequest from(String method, JsonNode params) {
        return new ApprovalRequest(method, text(params, "threadId"), text(params, "turnId"), text(params, "itemId"),
                text(params, "reason"), params);
    }

    /** For command approvals: the command line codex wants to run, or {@code null}. */
    public String command() {
        return text(params, "command");
    }

    /** For command approvals: the directory it would run in, or {@code null}. */
    public String cwd() {
        return text(params, "cwd");
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }
}
