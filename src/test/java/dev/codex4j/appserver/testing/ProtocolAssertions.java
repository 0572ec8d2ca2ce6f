package dev.codex4j.appserver.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.protocol.ServerRequest;
import dev.codex4j.appserver.protocol.UnknownVariant;
import java.util.List;
import java.util.Map;

/** Assertions about decoded protocol values. */
public final class ProtocolAssertions {

    private ProtocolAssertions() {}

    /**
     * Walks a decoded value (records, lists, maps) and fails on any fallback for data this version does not
     * know: an {@link UnknownVariant} or an {@code UNRECOGNIZED} enum constant. Real messages of the pinned
     * version must never need one.
     */
    public static void assertFullyTyped(Object value, String path) {
        if (value == null) {
            return;
        }
        assertThat(value).as("unknown variant at " + path).isNotInstanceOf(UnknownVariant.class)
                .isNotInstanceOf(ServerNotification.UnknownNotification.class)
                .isNotInstanceOf(ServerRequest.UnknownRequest.class);
        if (value instanceof Enum<?> e) {
            assertThat(e.name()).as("unrecognized enum value at " + path).isNotEqualTo("UNRECOGNIZED");
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                assertFullyTyped(list.get(i), path + "[" + i + "]");
            }
        } else if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> assertFullyTyped(v, path + "." + k));
        } else if (value.getClass().isRecord()) {
            for (var component : value.getClass().getRecordComponents()) {
                try {
                    assertFullyTyped(component.getAccessor().invoke(value), path + "." + component.getName());
                } catch (ReflectiveOperationException ex) {
                    throw new AssertionError(ex);
                }
            }
        }
    }
}
