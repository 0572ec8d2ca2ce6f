package dev.codex4j.appserver.session;

import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.RecyclerPool;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Jackson's parsing buffers for incoming messages, kept in a few shared slots rather than Jackson's default
 * thread-local pool: the reader creates a parser per line, and the thread-local look-up behind each one was
 * an eighth of the reader's time. A thread that finds every slot taken (the reader and a few dispatch threads
 * decoding params at once) gets new buffers; a release that finds no free slot drops them.
 */
final class ParserBuffers implements RecyclerPool<BufferRecycler> {

    private static final long serialVersionUID = 1L;
    private static final int SLOTS = 4;

    private final transient AtomicReferenceArray<BufferRecycler> slots = new AtomicReferenceArray<>(SLOTS);

    @Override
    public BufferRecycler acquirePooled() {
        for (int i = 0; i < SLOTS; i++) {
            if (slots.getPlain(i) != null) {
                BufferRecycler buffers = slots.getAndSet(i, null);
                if (buffers != null) {
                    return buffers;
                }
            }
        }
        return new BufferRecycler();
    }

    @Override
    public void releasePooled(BufferRecycler buffers) {
        for (int i = 0; i < SLOTS; i++) {
            if (slots.getPlain(i) == null && slots.compareAndSet(i, null, buffers)) {
                return;
            }
        }
    }
}
