package dev.codex4j.appserver.rpc;

import java.util.Objects;

/**
 * A JSON-RPC request id. The client numbers its own requests with longs; the server numbers its requests
 * independently and may use strings, which are answered with the same string.
 */
public sealed interface RequestId permits RequestId.Numeric, RequestId.Text {

    static RequestId of(long value) {
        return new Numeric(value);
    }

    static RequestId of(String value) {
        return new Text(value);
    }

    /** A numeric id, written as a JSON number. */
    record Numeric(long value) implements RequestId {
        @Override
        public String toString() {
            return Long.toString(value);
        }
    }

    /** A string id, written as a JSON string. */
    record Text(String value) implements RequestId {
        public Text {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return '"' + value + '"';
        }
    }
}
