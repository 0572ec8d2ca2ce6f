package dev.codex4j.appserver.transport;

import java.util.ArrayDeque;
import java.util.List;

/** The last few lines of a peer's stderr, bounded in line count and line length, for error messages. */
final class DiagnosticTail {

    private final int maxLines;
    private final int maxLineChars;
    private final ArrayDeque<String> lines;

    DiagnosticTail(int maxLines, int maxLineChars) {
        this.maxLines = maxLines;
        this.maxLineChars = maxLineChars;
        this.lines = new ArrayDeque<>(Math.max(1, maxLines));
    }

    synchronized void add(String line) {
        if (maxLines == 0) {
            return;
        }
        if (lines.size() == maxLines) {
            lines.removeFirst();
        }
        lines.addLast(truncate(line, maxLineChars));
    }

    synchronized List<String> snapshot() {
        return List.copyOf(lines);
    }

    /**
     * {@code text} on one line: each control character and line or paragraph separator a space. What a peer says
     * (a close reason, a refusal's body) goes into log lines and exception messages, and must not forge lines.
     */
    static String oneLine(String text) {
        StringBuilder line = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                if (line == null) {
                    line = new StringBuilder(text);
                }
                line.setCharAt(i, ' ');
            }
        }
        return line == null ? text : line.toString();
    }

    static String truncate(String line, int maxChars) {
        return line.length() <= maxChars ? line : line.substring(0, maxChars) + "… (" + line.length() + " chars)";
    }
}
