package dev.codex4j.examples.webflux;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One server-sent event for the page: its name ({@code text}, {@code command}, {@code approval}, ...; see
 * {@code app.js}), its JSON payload and its position in the turn, sent as the SSE id so that a reconnecting
 * browser ({@code Last-Event-ID}) gets only what it has not seen.
 */
record PageEvent(long index, String name, ObjectNode data) {}
