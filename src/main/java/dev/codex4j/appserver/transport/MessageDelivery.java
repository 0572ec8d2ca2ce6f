package dev.codex4j.appserver.transport;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands a {@link WebSocketTransport}'s whole messages to its {@link TransportListener} in arrival order, on one of
 * two paths. <b>Inline</b>: the I/O thread that received a message offers it to the listener itself
 * ({@link TransportListener#offerLine}), as a hand-written JDK-WebSocket client does, when nothing is queued and
 * no one else is delivering. <b>Queued</b>: otherwise, and for a message the listener declines there (one whose
 * handling runs user code, which may block, and a blocked I/O thread reads nothing: the JDK calls its listener
 * one call at a time), the message goes to an inbox that {@code codex4j-ws-reader-*} drains. (The client's
 * session declines every offer: parsing on the reader while the JDK decodes the next frame measured faster.) Once the inbox is
 * empty and the reader has ended its batch, delivery is inline again. A reader with nothing to do runs the JDK's
 * next task itself ({@link #executor}): what it declines there it delivers as soon as that task has returned, so a
 * lone response wakes one thread (this one), not an I/O thread and then the reader.
 *
 * <p>One owner of delivery at a time ({@link #owner}: free, the I/O thread, the reader, or ended), taken by
 * compare-and-set, is what keeps the order across the switches: the I/O thread delivers inline only while it
 * owns delivery and the inbox is empty, and the reader takes a message out of the inbox only while it owns it.
 * The end is queued like a message, so it is reported once, by the reader, after every message before it; the
 * owner then stays "ended". A reader held in a listener call is replaced ({@link #replaceReader}) and its
 * ownership passes to the new one.
 */
final class MessageDelivery implements ReplaceableReader {

    /** What the reader asks its transport while it waits. */
    interface Host {
        /**
         * Called by the reader when the inbox is empty, before it parks (the transport pings a silent server here).
         *
         * @return how long the reader may park, in nanoseconds; 0 for as long as nothing arrives
         */
        long idle();

        /** Reports the end to the listener; called once, on the reader, after the last message. */
        void finish(TransportClosed closed);
    }

    private static final Logger log = LoggerFactory.getLogger(MessageDelivery.class);
    private static final int FREE = 0;
    private static final int INLINE = 1;
    private static final int READER = 2;
    private static final int ENDED = 3;
    /** Inline messages of at most this many bytes in all are followed by {@code onBatchEnd} within a burst. */
    private static final int MAX_BATCH_BYTES = StdioTransport.MAX_BATCH_BYTES;

    private final TransportListener listener;
    private final Host host;
    private final ReaderThreads readers;
    private final AtomicInteger owner = new AtomicInteger(FREE);
    /** Whole messages ({@code byte[]}) and, last, the {@link TransportClosed} that ends them. */
    private final ConcurrentLinkedQueue<Object> inbox = new ConcurrentLinkedQueue<>();
    /** The reader thread in a listener call, or {@code null}; a replacement takes it away. */
    private final AtomicReference<Thread> inListener = new AtomicReference<>();
    private volatile boolean readerParked;
    /** Bytes delivered inline since the last {@code onBatchEnd}; written only by the owner of delivery. */
    private volatile int inlineBytes;
    /**
     * The reader while it waits for work owning nothing, which then takes a task of the JDK's rather than a pool
     * thread (see {@link #executor}); or the task handed to it; else {@code null}.
     */
    private final AtomicReference<Object> idleReader = new AtomicReference<>();
    /** The reader while it runs a task of the JDK's; messages it queues then wait for that task's end. */
    private volatile Thread readerInTask;
    /** Whether the JDK was not asked for the next message (see {@link #arrived}); reader only. */
    private boolean demandOwed;
    private final Runnable askForMore;

    /** @param askForMore asks the JDK for the next message ({@code WebSocket.request(1)}) */
    MessageDelivery(TransportListener listener, Host host, String readerName, Runnable askForMore) {
        this.listener = listener;
        this.host = host;
        this.askForMore = askForMore;
        this.readers = new ReaderThreads(readerName);
    }

    /** Starts the reader (which waits until the I/O thread queues something). */
    void start() {
        readers.start(() -> read(false));
    }

    /** The reader of the moment: the one {@link #enqueue} wakes, and {@code close} joins. */
    Thread reader() {
        return readers.current();
    }

    /** How many messages, and the end once known, wait for the reader (counted: for tests). */
    int queued() {
        return inbox.size();
    }

    /** Whether the calling thread is the reader in a listener call (say, a continuation that closes the client). */
    boolean isInListenerCall() {
        return inListener.get() == Thread.currentThread();
    }

    /**
     * The executor for the JDK's tasks: the idle reader if there is one (a message the listener declines is then
     * delivered by the thread that received it, once the JDK's task returns: one thread woken per message, as in a
     * hand-written client), else {@code pool}. Each task is a burst: the listener ends its batch after it.
     */
    Executor executor(ExecutorService pool) {
        return task -> {
            Object idle = idleReader.get();
            if (idle instanceof Thread reader && idleReader.compareAndSet(reader, task)) {
                LockSupport.unpark(reader);
            } else {
                pool.execute(() -> {
                    try {
                        task.run();
                    } finally {
                        burstEnded();
                    }
                });
            }
        };
    }

    /**
     * On the JDK's thread: a whole message has arrived in {@code message}. Delivered inline if possible, else queued
     * (then copied out of the assembler). Never runs user code.
     *
     * @return whether to ask the JDK for the next message now; {@code false} when the idle reader runs this task and
     *     queued the message: the JDK's task then returns, the reader asks for more and delivers the message
     */
    boolean arrived(MessageAssembler message) {
        while (!owner.compareAndSet(FREE, INLINE)) {
            if (owner.get() != INLINE) { // the reader delivers (or it is over): behind what it has
                enqueue(message.take());
                return true;
            }
            Thread.yield(); // another I/O thread ends its burst: a moment, and cheaper than a switch of mode
        }
        if (inbox.isEmpty() && offerInline(message)) {
            owner.set(FREE);
            return true;
        }
        inbox.add(message.take()); // still owned, so nothing overtakes it
        owner.set(FREE);
        if (readerInTask == Thread.currentThread()) {
            demandOwed = true;
            return false;
        }
        wakeReader();
        return true;
    }

    private boolean offerInline(MessageAssembler message) {
        boolean taken;
        try {
            taken = listener.offerLine(message.bytes(), 0, message.length());
        } catch (Throwable e) { // the I/O thread must survive anything its listener does
            log.error("listener failed on an incoming message; continuing", e);
            taken = true;
        }
        if (!taken) {
            return false;
        }
        int bytes = inlineBytes + message.length() + 1;
        message.clear();
        if (bytes >= MAX_BATCH_BYTES) { // a long burst: hand on what it brought so far
            batchEndInline();
        } else {
            inlineBytes = bytes;
        }
        return true;
    }

    /**
     * On the I/O thread, after each task the JDK ran there: its burst of messages is over (the JDK waits for the
     * socket now), so the listener hands on what the burst brought. If the reader owns delivery, its own batch end
     * covers that.
     */
    void burstEnded() {
        if (inlineBytes != 0 && owner.compareAndSet(FREE, INLINE)) {
            if (inlineBytes != 0) {
                batchEndInline();
            }
            owner.set(FREE);
        }
    }

    private void batchEndInline() {
        inlineBytes = 0;
        try {
            listener.onBatchEnd();
        } catch (Throwable e) {
            log.error("listener failed at the end of a batch of messages; continuing", e);
        }
    }

    /** Queues {@code item} (a message, or the end) for the reader, waking it. */
    void enqueue(Object item) {
        inbox.add(item);
        wakeReader();
    }

    private void wakeReader() {
        if (readerParked) {
            LockSupport.unpark(readers.current());
        }
    }

    /**
     * One reader thread's loop; {@code owning} when it took over delivery from a held reader. It leaves when another
     * took over while it was in a listener call, or after reporting the end.
     */
    private void read(boolean owning) {
        boolean owns = owning;
        while (true) {
            Object next = inbox.peek();
            if (next == null) {
                if (owns) {
                    if (!call(null)) {
                        return;
                    }
                    owner.set(FREE);
                    owns = false;
                } else if (!park()) {
                    return; // interrupted: not done by the library; the transport ends without a report
                }
                continue;
            }
            if (!owns) {
                takeOwnership();
                owns = true;
                continue; // the inbox was looked at before
            }
            inbox.poll();
            if (next instanceof TransportClosed closed) {
                owner.set(ENDED);
                host.finish(closed);
                return;
            }
            if (!call((byte[]) next)) {
                return;
            }
        }
    }

    /** Waits for the inbox to fill, running a task of the JDK's if one is handed over; {@code false} if interrupted. */
    private boolean park() {
        Thread self = Thread.currentThread();
        idleReader.set(self);
        readerParked = true;
        try {
            if (inbox.isEmpty()) {
                long nanos = host.idle();
                if (inbox.isEmpty() && idleReader.get() == self) {
                    if (nanos == 0) {
                        LockSupport.park(this);
                    } else {
                        LockSupport.parkNanos(this, nanos);
                    }
                }
            }
        } finally {
            readerParked = false;
        }
        Object handed = idleReader.getAndSet(null);
        if (handed != self && handed instanceof Runnable task) { // (a Thread is a Runnable too)
            runTask(task);
        }
        return !self.isInterrupted();
    }

    /** Runs a task of the JDK's on the reader; what it queued is delivered next, once the JDK was asked for more. */
    private void runTask(Runnable task) {
        readerInTask = Thread.currentThread();
        try {
            task.run();
        } catch (Throwable e) {
            log.error("a task of the JDK's WebSocket failed on the reader", e);
        } finally {
            readerInTask = null;
            burstEnded();
            if (demandOwed) {
                demandOwed = false;
                askForMore.run();
            }
        }
    }

    /** The I/O thread owns delivery only for one inline call at a time, which never runs user code: a short wait. */
    private void takeOwnership() {
        while (!owner.compareAndSet(FREE, READER)) {
            Thread.yield();
        }
    }

    /**
     * Hands {@code message} (or, for {@code null}, the end of a batch) to the listener.
     *
     * @return whether this thread is still the reader ({@link #replaceReader} took over while it was in the call)
     */
    private boolean call(byte[] message) {
        Thread self = Thread.currentThread();
        inListener.set(self);
        try {
            if (message != null) {
                listener.onLine(message, 0, message.length);
            } else {
                inlineBytes = 0;
                listener.onBatchEnd();
            }
        } catch (Throwable e) { // the reader must survive anything its listener does
            log.error(message != null ? "listener failed on an incoming message; continuing"
                    : "listener failed at the end of a batch of messages; continuing", e);
        }
        return inListener.compareAndSet(self, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The inbox holds whole messages and the held reader owns delivery, so the new reader takes that over and
     * simply takes the next message; the held thread leaves once its call returns. (Only the reader can be held:
     * the I/O thread runs no user code.)
     */
    @Override
    public boolean replaceReader() {
        Thread held = inListener.get();
        if (held == null || !inListener.compareAndSet(held, null)) {
            return false;
        }
        try {
            readers.start(() -> read(true));
        } catch (Throwable e) { // no thread to be had: the held reader must stay the reader, or none would read
            inListener.compareAndSet(null, held);
            log.error("could not start a new WebSocket reader; the held one stays", e);
            return false;
        }
        log.debug("the WebSocket reader is held by its listener; another reads on");
        return true;
    }
}
