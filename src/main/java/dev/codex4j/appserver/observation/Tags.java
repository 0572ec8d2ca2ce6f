package dev.codex4j.appserver.observation;

import dev.codex4j.appserver.protocol.ClientMethod;
import dev.codex4j.appserver.protocol.ClientMethods;
import dev.codex4j.appserver.protocol.NotificationMethod;
import dev.codex4j.appserver.protocol.ServerNotifications;
import dev.codex4j.appserver.protocol.ServerRequestMethod;
import dev.codex4j.appserver.protocol.ServerRequests;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Tag keys and the bounded values they take: whatever a server sends, a tag value is one of a fixed set, so the
 * number of time series stays bounded.
 */
final class Tags {

    static final String METHOD = "method";
    static final String OUTCOME = "outcome";
    static final String ERROR = "error";
    static final String KIND = "kind";
    static final String DECISION = "decision";
    static final String DECIDED_BY = "decided.by";
    static final String TYPE = "type";
    static final String OTHER = "other";

    /** Every method of the protocol this library was generated from, in any direction. */
    private static final Set<String> METHODS = methods();

    private static final Map<String, String> KINDS = Map.ofEntries(
            Map.entry(ServerRequests.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL.name(), "command"),
            Map.entry(ServerRequests.EXEC_COMMAND_APPROVAL.name(), "command"),
            Map.entry(ServerRequests.ITEM_FILE_CHANGE_REQUEST_APPROVAL.name(), "file_change"),
            Map.entry(ServerRequests.APPLY_PATCH_APPROVAL.name(), "file_change"),
            Map.entry(ServerRequests.ITEM_PERMISSIONS_REQUEST_APPROVAL.name(), "permissions"),
            Map.entry(ServerRequests.ITEM_TOOL_REQUEST_USER_INPUT.name(), "user_input"),
            Map.entry(ServerRequests.MCP_SERVER_ELICITATION_REQUEST.name(), "elicitation"),
            Map.entry(ServerRequests.ITEM_TOOL_CALL.name(), "tool_call"));

    private static final Set<String> APPROVAL_KINDS = Set.of("command", "file_change", "permissions");

    /** The wire values of the protocol's approval decisions (v2 and legacy). */
    private static final Set<String> DECISIONS = Set.of("accept", "acceptForSession", "decline", "cancel",
            "approved", "approved_for_session", "denied", "abort", "timed_out");

    private static final Set<String> DECIDERS = Set.of("handler", "policy", "default", "timeout", "error",
            "cancelled");

    private Tags() {}

    private static Set<String> methods() {
        Set<String> all = new HashSet<>();
        ClientMethods.all().stream().map(ClientMethod::name).forEach(all::add);
        ServerNotifications.all().stream().map(NotificationMethod::name).forEach(all::add);
        ServerRequests.all().stream().map(ServerRequestMethod::name).forEach(all::add);
        all.add("initialize");
        return Set.copyOf(all);
    }

    static String method(String method) {
        return method != null && METHODS.contains(method) ? method : OTHER;
    }

    static String kind(String serverRequestMethod) {
        return KINDS.getOrDefault(serverRequestMethod, OTHER);
    }

    static boolean isApproval(String serverRequestMethod) {
        return APPROVAL_KINDS.contains(kind(serverRequestMethod));
    }

    static String decision(String decision) {
        return decision != null && DECISIONS.contains(decision) ? decision : OTHER;
    }

    static String decidedBy(String decidedBy) {
        return decidedBy != null && DECIDERS.contains(decidedBy) ? decidedBy : OTHER;
    }
}
