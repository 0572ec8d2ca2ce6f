package dev.codex4j.appserver.thread;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.protocol.types.TurnStatus;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The schema derived for structured output is OpenAI-strict, and decoding is as strict as the schema. */
@Timeout(30)
class StructuredOutputTest {

    private static final ObjectMapper MAPPER = AppServerClient.defaultObjectMapper();

    record Address(String street, String city) {}

    record Person(String name, int age, List<String> tags, Address address) {}

    @Test
    void everyObjectOfTheSchemaIsClosedAndRequiresAllItsProperties() {
        JsonNode schema = StructuredOutput.schemaOf(Person.class);

        assertThat(schema.has("$schema")).isFalse();
        assertStrictObject(schema, "name", "age", "tags", "address");
        assertThat(schema.at("/properties/age/type").asText()).isEqualTo("integer");
        assertThat(schema.at("/properties/tags/items/type").asText()).isEqualTo("string");
        JsonNode address = schema.at("/properties/address");
        if (address.has("$ref")) {
            address = schema.at("/$defs/" + address.get("$ref").asText().replace("#/$defs/", ""));
        }
        assertStrictObject(address, "street", "city");
    }

    @Test
    void aFittingMessageDecodes() {
        Person person = StructuredOutput.decode(result("{\"name\":\"Ada\",\"age\":36,\"tags\":[\"math\"],"
                + "\"address\":{\"street\":\"St James's Square\",\"city\":\"London\"}}"), Person.class, MAPPER);

        assertThat(person).isEqualTo(new Person("Ada", 36, List.of("math"), new Address("St James's Square", "London")));
    }

    @Test
    void missingUnknownOrTrailingContentDoesNotFit() {
        for (String text : List.of("{\"name\":\"Ada\",\"tags\":[],\"address\":null}",
                "{\"name\":\"Ada\",\"age\":1,\"tags\":[],\"address\":null,\"extra\":true}",
                "{\"name\":\"Ada\",\"age\":1,\"tags\":[],\"address\":null} and more",
                "null")) {
            assertThatThrownBy(() -> StructuredOutput.decode(result(text), Person.class, MAPPER)).as(text)
                    .isInstanceOf(StructuredOutputException.class)
                    .satisfies(e -> assertThat(((StructuredOutputException) e).rawText()).isEqualTo(text));
        }
    }

    @Test
    void aTurnThatDidNotCompleteIsATurnFailureNotAnOutputMismatch() {
        TurnResult failed = new TurnResult("th", "t", TurnStatus.FAILED, null, List.of(), null, null, null);

        assertThatThrownBy(() -> StructuredOutput.decode(failed, Person.class, MAPPER))
                .isInstanceOf(TurnFailedException.class);
    }

    private static TurnResult result(String text) {
        List<ThreadItem> items = List.of(new ThreadItem.AgentMessage(null, null, null, "m", null, null, null, null, text));
        return new TurnResult("th", "t", TurnStatus.COMPLETED, text, items, null, null, null);
    }

    private static void assertStrictObject(JsonNode schema, String... properties) {
        assertThat(schema.path("type").asText()).isEqualTo("object");
        assertThat(schema.path("additionalProperties").isBoolean()).isTrue();
        assertThat(schema.path("additionalProperties").asBoolean()).isFalse();
        assertThat(schema.path("required")).extracting(JsonNode::asText).containsExactlyInAnyOrder(properties);
    }
}
