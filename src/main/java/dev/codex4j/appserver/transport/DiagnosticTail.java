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

    static String truncate(String line, int maxChars) {
        return line.length() <= maxChars ? line : line.substring(0, maxChars) + "… (" + line.length() + " chars)";
    }
}
