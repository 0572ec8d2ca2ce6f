package dev.codex4j.appserver.session;

import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.RecyclerPool;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The reader's parsing buffers, in one slot rather than Jackson's default thread-local pool: the reader
 * creates a parser per line, and the thread-local look-up behind each was an eighth of its time. Only the
 * reader uses it (threads decoding params keep Jackson's pool, so no cache line goes back and forth between
 * them and the reader); a reader that takes over while the old one still parses gets new buffers.
 */
final class ParserBuffers implements RecyclerPool<BufferRecycler> {

    private static final long serialVersionUID = 1L;

    private final transient AtomicReference<BufferRecycler> slot = new AtomicReference<>();

    @Override
    public BufferRecycler acquirePooled() {
        BufferRecycler buffers = slot.getAndSet(null);
        return buffers != null ? buffers : new BufferRecycler();
    }

    @Override
    public void releasePooled(BufferRecycler buffers) {
        slot.lazySet(buffers);
    }
}
