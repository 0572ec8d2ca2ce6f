package dev.codex4j.examples.webflux;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.testing.ScriptedModel.RecordedRequest;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * What the scripted model answers offline, for any number of turns at once: to a prompt, a few words of text
 * and a shell command that asks to leave codex's read-only sandbox (so codex asks for approval), or, if the
 * prompt mentions a file, a patch that adds notes.txt (a file change, which the sandbox makes codex ask about
 * too); to the tool's result, a closing message (another one when the person declined). The reply depends only on the conversation in the request, so turns
 * from several browser tabs can interleave freely; each reply names the prompt it answers, so a tab shows
 * only text about its own prompt. Not final: the tests hold replies back to line turns up.
 */
class OfflineScript {

    private static final int MAX_ECHOED_CHARS = 40;
    /** A prompt that mentions a file gets a file change (a patch adding notes.txt) instead of a command. */
    private static final Pattern WRITES_A_FILE = Pattern.compile("\\bfiles?\\b", Pattern.CASE_INSENSITIVE);

    private final AtomicLong calls = new AtomicLong();

    Reply reply(RecordedRequest request) {
        JsonNode input = request.body().path("input");
        String prompt = null;
        JsonNode commandResult = null;
        for (JsonNode item : input) {   // the prompt is the last user message; a tool result after it is ours
            if (isUserMessage(item)) {
                prompt = text(item);
                commandResult = null;
            } else if ("function_call_output".equals(item.path("type").asText())) {
                commandResult = item;
            }
        }
        String topic = echoable(prompt);
        if (commandResult == null && WRITES_A_FILE.matcher(topic).find()) {
            return Reply.streamedMessage("Working on ", "\u201c" + topic + "\u201d", ": ", "I will write it down ",
                            "in notes.txt.")
                    .followedBy(Reply.applyPatchAddFile("call-" + calls.incrementAndGet(), "notes.txt",
                            "Notes for the " + topic + " turn\nwritten by codex"));
        }
        if (commandResult == null) {
            return Reply.streamedMessage("Working on ", "\u201c" + topic + "\u201d", ": ", "first I need to run ",
                            "a command outside the sandbox.")
                    .followedBy(Reply.escalatedExecCommand("call-" + calls.incrementAndGet(),
                            "echo 'Hello from the " + topic + " turn'",
                            "Printing a greeting needs to leave the read-only sandbox"));
        }
        if (commandResult.path("output").asText().toLowerCase(Locale.ROOT).contains("rejected")) {
            return Reply.streamedMessage("You declined, ", "so I left ", "\u201c" + topic + "\u201d", " there.");
        }
        return Reply.streamedMessage("Finished ", "\u201c" + topic + "\u201d", ".");
    }

    private static boolean isUserMessage(JsonNode item) {
        return "message".equals(item.path("type").asText()) && "user".equals(item.path("role").asText())
                && !text(item).startsWith("<");   // codex's own context blocks (<environment_context>...)
    }

    private static String text(JsonNode message) {
        StringBuilder text = new StringBuilder();
        for (JsonNode part : message.path("content")) {
            text.append(part.path("text").asText(""));
        }
        return text.toString().strip();
    }

    /**
     * The prompt cut to letters, digits and spaces: it goes into a shell command, which must never run
     * what a person typed.
     */
    static String echoable(String prompt) {
        String plain = prompt == null ? "" : prompt.replaceAll("[^\\p{Alnum} ]", " ").replaceAll(" +", " ").strip();
        if (plain.length() > MAX_ECHOED_CHARS) {
            plain = plain.substring(0, MAX_ECHOED_CHARS).strip();
        }
        return plain.isEmpty() ? "your prompt" : plain;
    }
}
