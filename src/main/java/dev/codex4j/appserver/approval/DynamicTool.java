package dev.codex4j.appserver.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.protocol.types.DynamicToolCallOutputContentItem;
import dev.codex4j.appserver.protocol.types.DynamicToolCallParams;
import dev.codex4j.appserver.protocol.types.DynamicToolCallResponse;
import dev.codex4j.appserver.protocol.types.DynamicToolSpec;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A Java function offered to the model as a tool (codex's experimental dynamic tools). Register it with
 * {@link ApprovalDecisions.Builder#dynamicTool}, pass {@link ApprovalDecisions#dynamicToolSpecs()} as
 * {@code dynamicTools} of {@code thread/start}, and start the client with {@code experimentalApi(true)}.
 *
 * <pre>{@code
 * record TicketQuery(String ticketId) {}
 * DynamicTool lookup = DynamicTool.of("lookup_ticket", "Looks up a support ticket by id",
 *         TicketQuery.class, query -> tickets.find(query.ticketId()).summary());
 * }</pre>
 *
 * A function that throws becomes a failed tool result carrying the exception's message, which the model
 * sees; the turn goes on.
 */
public final class DynamicTool {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final String name;
    private final String description;
    private final JsonNode inputSchema;
    private final Invoker invoker;

    /** Runs the tool for one call. */
    @FunctionalInterface
    interface Invoker {
        DynamicToolCallResponse invoke(DynamicToolCallParams call, ObjectMapper mapper) throws Exception;
    }

    private DynamicTool(String name, String description, JsonNode inputSchema, Invoker invoker) {
        this.name = Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("tool name must be 1-64 letters, digits, '_' or '-': " + name);
        }
        this.description = Objects.requireNonNull(description, "description");
        Objects.requireNonNull(inputSchema, "inputSchema");
        if (!inputSchema.isObject()) {
            throw new IllegalArgumentException("inputSchema must be a JSON object schema");
        }
        // JsonNode is mutable: keep our own copy so later changes to the caller's node do not alter the tool
        this.inputSchema = inputSchema.deepCopy();
        this.invoker = invoker;
    }

    /**
     * A tool whose arguments are decoded into {@code argumentsType} (a record, usually), whose input schema
     * is derived from that type, and whose text result is returned to the model.
     */
    public static <A> DynamicTool of(String name, String description, Class<A> argumentsType,
            RequestHandler<A, String> function) {
        Objects.requireNonNull(argumentsType, "argumentsType");
        Objects.requireNonNull(function, "function");
        return new DynamicTool(name, description, RecordSchemas.of(argumentsType), (call, mapper) ->
                text(function.handle(mapper.treeToValue(call.arguments(), argumentsType)), true));
    }

    /** A tool with a hand-written input schema that receives the raw arguments and returns text. */
    public static DynamicTool ofJson(String name, String description, JsonNode inputSchema,
            RequestHandler<JsonNode, String> function) {
        Objects.requireNonNull(function, "function");
        return new DynamicTool(name, description, inputSchema,
                (call, mapper) -> text(function.handle(call.arguments()), true));
    }

    /** A tool that builds the whole response itself (several content items, images, its own failures). */
    public static DynamicTool ofResponse(String name, String description, JsonNode inputSchema,
            RequestHandler<DynamicToolCallParams, DynamicToolCallResponse> function) {
        Objects.requireNonNull(function, "function");
        return new DynamicTool(name, description, inputSchema, (call, mapper) -> function.handle(call));
    }

    public String name() {
        return name;
    }

    public String description() {
        return description;
    }

    /** The input schema; a copy, so modifying it does not change the tool. */
    public JsonNode inputSchema() {
        return inputSchema.deepCopy();
    }

    /** The declaration for {@code thread/start}'s {@code dynamicTools}. */
    public DynamicToolSpec spec() {
        return new DynamicToolSpec.Function(null, description, inputSchema.deepCopy(), name);
    }

    /** Runs the tool; a failure becomes a failed result naming it, never an exception. */
    DynamicToolCallResponse call(DynamicToolCallParams call, ObjectMapper mapper) {
        try {
            DynamicToolCallResponse response = invoker.invoke(call, mapper);
            return response != null ? response : text("tool '" + name + "' returned nothing", false);
        } catch (Exception e) {
            String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            return text("tool '" + name + "' failed: " + message, false);
        }
    }

    static DynamicToolCallResponse text(String text, boolean success) {
        return new DynamicToolCallResponse(
                List.of(new DynamicToolCallOutputContentItem.InputText(text == null ? "" : text)), success);
    }
}
