package dev.codex4j.appserver.transport;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/** Splits stderr bytes into UTF-8 lines, cutting each to a maximum so a newline-free flood stays bounded. */
final class StderrLines {

    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;?]*[ -/]*[@-~]");

    private final int maxLineBytes;
    private final Consumer<String> sink;
    private final ByteArrayOutputStream current = new ByteArrayOutputStream(256);
    private long dropped;

    StderrLines(int maxLineBytes, Consumer<String> sink) {
        this.maxLineBytes = maxLineBytes;
        this.sink = sink;
    }

    void feed(byte[] buffer, int length) {
        int start = 0;
        for (int i = 0; i < length; i++) {
            if (buffer[i] == '\n') {
                append(buffer, start, i - start);
                flushLine();
                start = i + 1;
            }
        }
        append(buffer, start, length - start);
    }

    void finish() {
        if (current.size() > 0 || dropped > 0) {
            flushLine();
        }
    }

    static String stripAnsi(String s) {
        return s.indexOf('\u001B') < 0 ? s : ANSI.matcher(s).replaceAll("");
    }

    private void append(byte[] buffer, int offset, int length) {
        int room = maxLineBytes - current.size();
        int taken = Math.max(0, Math.min(room, length));
        current.write(buffer, offset, taken);
        dropped += length - taken;
    }

    private void flushLine() {
        String line = current.toString(StandardCharsets.UTF_8);
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        if (dropped > 0) {
            line += "… (" + dropped + " more bytes)";
        }
        current.reset();
        dropped = 0;
        sink.accept(line);
    }
}
