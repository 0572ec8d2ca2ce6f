package dev.codex4j.appserver.session;

import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.rpc.IncomingMessage;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.rpc.Response;
import dev.codex4j.appserver.rpc.IncomingRequest;
import dev.codex4j.appserver.transport.Transport;
import dev.codex4j.appserver.transport.TransportClosed;
import dev.codex4j.appserver.transport.TransportListener;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection as its reader thread sees it: parse, route, never throw. The only user code it runs is the
 * continuations of responses (see {@link ResponseCompletions} for what keeps them from holding it up).
 */
final class Inbound implements TransportListener {

    private static final int MALFORMED_PREVIEW_CHARS = 200;

    private final Session session;
    final Transport transport;
    final ResponseCompletions completions;
    /** Set once this connection has ended, before what was pending on it is failed. */
    volatile ConnectionClosedException ended;
    /** The notifications this read brought, handed on together at its end (by whichever thread delivers). */
    private List<Notification> notifications = new ArrayList<>();

    Inbound(Session session, Transport transport) {
        this.session = session;
        this.transport = transport;
        this.completions = new ResponseCompletions(transport, session.timer);
    }

    @Override
    public void onLine(byte[] buffer, int offset, int length) {
        if (ended != null) {
            return; // a dropped connection (see Session#dropConnection): what it still sends is of no use
        }
        IncomingMessage message = decode(buffer, offset, length);
        if (message instanceof Notification notification) {
            handle(notification);
        } else if (message instanceof Response response) {
            PendingRequests.Waiter waiter = session.pending.take(response);
            if (waiter == null) {
                Session.log.warn("dropping a response to id {} that no request awaits (timed out, cancelled or "
                        + "answered twice)", response.id());
            } else {
                publishNotifications(); // those before it go first, and its continuation may hold this thread
                if (response.unreadResultBytes() > Session.READ_ELSEWHERE_BYTES) {
                    session.deliver(() -> waiter.onResponse(response)); // reading it would hold this thread long
                } else {
                    completions.complete(waiter, response); // the last thing: a new reader may be on by its end
                }
            }
        } else if (message != null) {
            session.serverRequests.dispatch((IncomingRequest) message, this);
        }
    }

    /** The message in those bytes, or {@code null} (skipped and counted) if they are not one. */
    private IncomingMessage decode(byte[] buffer, int offset, int length) {
        try {
            return session.codec.decode(buffer, offset, length);
        } catch (MalformedMessageException e) {
            session.malformedLines.increment();
            Session.log.warn("skipping a malformed line from app-server ({}): {}",
                    session.redactor.redact(escapeControls(e.getMessage())), preview(buffer, offset, length));
            return null;
        }
    }

    private void handle(Notification notification) {
        session.observer.notificationReceived(notification.method());
        session.serverRequests.observe(notification);
        notifications.add(notification);
        if (session.recovery != null) {
            session.recovery.observe(notification);
        }
    }

    /** Hands on the notifications this read brought: each subscriber gets them in one run. */
    @Override
    public void onBatchEnd() {
        if (ended == null) {
            publishNotifications();
        }
    }

    private void publishNotifications() {
        if (!notifications.isEmpty()) {
            List<Notification> batch = notifications;
            notifications = new ArrayList<>();
            session.hub.publishAll(batch);
        }
    }

    @Override
    public void onClosed(TransportClosed closed) {
        onBatchEnd(); // whatever the last read brought goes out before the end is told
        ConnectionClosedException cause = new ConnectionClosedException(closed.reason(), closed.exitCode(),
                closed.diagnosticTail(), closed.requestedByClient(), closed.cause());
        if (end(cause)) {
            session.connectionEnded(cause, closed.requestedByClient());
        }
    }

    /** Marks this connection ended with {@code cause}; {@code false} if it had ended already (it ends once). */
    synchronized boolean end(ConnectionClosedException cause) {
        if (ended != null) {
            return false;
        }
        ended = cause;
        return true;
    }

    private String preview(byte[] buffer, int offset, int length) {
        int shown = Math.min(length, MALFORMED_PREVIEW_CHARS * 4);
        String text = new String(buffer, offset, shown, StandardCharsets.UTF_8);
        if (text.length() > MALFORMED_PREVIEW_CHARS) {
            text = text.substring(0, MALFORMED_PREVIEW_CHARS);
        }
        if (text.length() < length) {
            text += "… (" + length + " bytes)";
        }
        return session.redactor.redact(escapeControls(text));
    }

    /** A server's bytes in a log line: control characters (a carriage return, a terminal escape) as escapes. */
    static String escapeControls(String text) {
        StringBuilder escaped = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                if (escaped == null) {
                    escaped = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                escaped.append(String.format("\\u%04x", (int) c));
            } else if (escaped != null) {
                escaped.append(c);
            }
        }
        return escaped == null ? text : escaped.toString();
    }
}
