package dev.codex4j.appserver.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A union variant this version of the protocol does not know, sent by a newer server. Every generated
 * union has one ({@code UnknownThreadItem}, {@code UnknownUserInput}, ...); it keeps the JSON as received
 * and writes it back unchanged.
 */
public interface UnknownVariant {

    /** The variant's JSON, exactly as received. */
    JsonNode raw();
}
