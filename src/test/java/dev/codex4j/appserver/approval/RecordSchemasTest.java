package dev.codex4j.appserver.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class RecordSchemasTest {

    enum Priority { LOW, HIGH }

    record Address(String street, int number) {}

    record Ticket(String title, int count, List<String> tags, Address address, Priority priority) {}

    /** The same nested record twice: a generator that shares definitions would emit {@code $defs}/{@code $ref}. */
    record Move(Address from, Address to) {}

    @Test
    void aRecordBecomesAStrictObjectSchema() {
        JsonNode schema = RecordSchemas.of(Ticket.class);

        assertThat(schema.get("type").asText()).isEqualTo("object");
        assertThat(fieldNames(schema.get("properties")))
                .containsExactlyInAnyOrder("title", "count", "tags", "address", "priority");
        assertThat(textValues(schema.get("required")))
                .containsExactlyInAnyOrder("title", "count", "tags", "address", "priority");
        assertThat(schema.get("additionalProperties").isBoolean()).isTrue();
        assertThat(schema.get("additionalProperties").asBoolean()).isFalse();
    }

    @Test
    void propertiesHaveTheirJsonTypes() {
        JsonNode properties = RecordSchemas.of(Ticket.class).get("properties");

        assertThat(properties.get("title").get("type").asText()).isEqualTo("string");
        assertThat(properties.get("count").get("type").asText()).isEqualTo("integer");
        assertThat(properties.get("tags").get("type").asText()).isEqualTo("array");
        assertThat(properties.get("tags").get("items").get("type").asText()).isEqualTo("string");
        assertThat(properties.get("priority").get("type").asText()).isEqualTo("string");
        assertThat(textValues(properties.get("priority").get("enum"))).containsExactly("LOW", "HIGH");
    }

    @Test
    void aNestedRecordIsInlinedAndStrictToo() {
        JsonNode address = RecordSchemas.of(Ticket.class).get("properties").get("address");

        assertThat(address.get("type").asText()).isEqualTo("object");
        assertThat(fieldNames(address.get("properties"))).containsExactlyInAnyOrder("street", "number");
        assertThat(textValues(address.get("required"))).containsExactlyInAnyOrder("street", "number");
        assertThat(address.get("additionalProperties").asBoolean(true)).isFalse();
        assertThat(address.get("properties").get("number").get("type").asText()).isEqualTo("integer");
    }

    @Test
    void noSchemaVersionAndNoDefinitionsAnywhere() {
        for (Class<?> type : List.of(Ticket.class, Move.class)) {
            JsonNode schema = RecordSchemas.of(type);
            assertThat(schema.has("$schema")).as(type.getSimpleName()).isFalse();
            assertThat(keysAnywhere(schema)).as(type.getSimpleName())
                    .doesNotContain("$defs", "definitions", "$ref", "$schema");
        }
        JsonNode move = RecordSchemas.of(Move.class).get("properties");
        assertThat(move.get("from")).isEqualTo(move.get("to"));
        assertThat(move.get("to").get("additionalProperties").asBoolean(true)).isFalse();
    }

    @Test
    void theSameClassGetsEqualSchemasButNeverTheSameInstance() {
        assertThat(RecordSchemas.of(Ticket.class)).isEqualTo(RecordSchemas.of(Ticket.class));
        assertThat(RecordSchemas.of(Ticket.class)).isNotSameAs(RecordSchemas.of(Ticket.class));
        assertThat(RecordSchemas.of(Address.class)).isNotEqualTo(RecordSchemas.of(Ticket.class));
    }

    @Test
    void modifyingAReturnedSchemaDoesNotCorruptLaterOnes() {
        JsonNode pristine = RecordSchemas.of(Ticket.class).deepCopy();
        ObjectNode mine = (ObjectNode) RecordSchemas.of(Ticket.class);
        mine.put("additionalProperties", true);
        ((ObjectNode) mine.get("properties")).remove("title");
        ((ObjectNode) mine.get("properties").get("address")).put("type", "string");
        ((ArrayNode) mine.get("required")).removeAll();

        assertThat(RecordSchemas.of(Ticket.class)).isEqualTo(pristine);
        assertThat(RecordSchemas.of(Ticket.class).get("additionalProperties").asBoolean()).isFalse();
        assertThat(textValues(RecordSchemas.of(Ticket.class).get("required"))).contains("title");
    }

    @Test
    void aNullTypeIsRejected() {
        assertThatThrownBy(() -> RecordSchemas.of(null)).isInstanceOf(NullPointerException.class);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> textValues(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    private static List<String> keysAnywhere(JsonNode node) {
        List<String> keys = new ArrayList<>();
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                keys.add(field.getKey());
                keys.addAll(keysAnywhere(field.getValue()));
            }
        } else if (node.isArray()) {
            node.forEach(child -> keys.addAll(keysAnywhere(child)));
        }
        return keys;
    }
}
