package dev.codex4j.appserver.approval;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import java.util.Optional;
import reactor.core.scheduler.Scheduler;

/**
 * What the client knows around a server request: the item it concerns (codex announces a command or file
 * change with {@code item/started} before asking to approve it) and where decisions are recorded.
 */
public interface ApprovalContext {

    /** The item announced by {@code item/started} with this id and not yet completed, if any. */
    Optional<ThreadItem> startedItem(String itemId);

    /** The mapper the client decodes params with. */
    ObjectMapper mapper();

    /**
     * Where rules and handlers run: threads that may block. The handler timeout bounds them only because
     * they run here, away from the thread that waits for the decision.
     */
    Scheduler scheduler();

    /** Records a decision for the audit stream. */
    void record(ApprovalEvent event);
}
