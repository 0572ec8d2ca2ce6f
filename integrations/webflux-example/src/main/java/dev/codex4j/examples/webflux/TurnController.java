package dev.codex4j.examples.webflux;

import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Flux;

/**
 * The page's API: start a turn, stream its events (server-sent events), answer one of its approvals.
 * Session and approval ids are random UUIDs that only the tab that started the turn learns.
 */
@RestController
class TurnController {

    /** The body of {@code POST /api/turns}. */
    record StartTurn(String prompt) {}

    /** The body of {@code POST /api/turns/{id}/approvals/{approvalId}}: {@code accept} or {@code decline}. */
    record ApprovalAnswer(String decision) {}

    private final TurnSessions sessions;
    private final ExampleProperties properties;

    TurnController(TurnSessions sessions, ExampleProperties properties) {
        this.sessions = sessions;
        this.properties = properties;
    }

    @PostMapping(path = "/api/turns", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, String>> start(@RequestBody StartTurn body) {
        String prompt = body.prompt() == null ? "" : body.prompt().strip();
        if (prompt.isEmpty() || prompt.length() > properties.maxPromptLength()) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
                    "a prompt of 1 to " + properties.maxPromptLength() + " characters is required");
        }
        return sessions.start(prompt)
                .map(session -> ResponseEntity.status(HttpStatus.CREATED).body(Map.of("turnId", session.id())))
                .orElseThrow(() -> new ResponseStatusException(HttpStatus.TOO_MANY_REQUESTS,
                        "too many turns are running; try again when one has finished"));
    }

    @GetMapping(path = "/api/turns/{turnId}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<ServerSentEvent<String>> events(@PathVariable String turnId,
            @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
        TurnSession session = sessions.find(turnId).orElseThrow(() -> notFound("no such turn"));
        return session.events(lastSeen(lastEventId)).map(event -> ServerSentEvent.<String>builder()
                .id(Long.toString(event.index())).event(event.name()).data(event.data().toString()).build());
    }

    @PostMapping(path = "/api/turns/{turnId}/approvals/{approvalId}", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Void> answer(@PathVariable String turnId, @PathVariable String approvalId,
            @RequestBody ApprovalAnswer body) {
        boolean accept = switch (body.decision() == null ? "" : body.decision()) {
            case "accept" -> true;
            case "decline" -> false;
            default -> throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "decision must be accept or decline");
        };
        TurnSession session = sessions.find(turnId).orElseThrow(() -> notFound("no such turn"));
        if (!session.answer(approvalId, accept)) {
            throw notFound("no such approval waiting in this turn (answered, timed out, or never asked)");
        }
        return ResponseEntity.noContent().build();
    }

    private static long lastSeen(String lastEventId) {
        try {
            return lastEventId == null ? -1 : Long.parseLong(lastEventId.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static ResponseStatusException notFound(String reason) {
        return new ResponseStatusException(HttpStatus.NOT_FOUND, reason);
    }
}
