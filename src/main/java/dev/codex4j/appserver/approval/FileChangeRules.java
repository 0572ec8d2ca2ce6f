package dev.codex4j.appserver.approval;

import dev.codex4j.appserver.protocol.types.FileChangeApprovalDecision;
import dev.codex4j.appserver.protocol.types.FileChangeRequestApprovalParams;
import dev.codex4j.appserver.protocol.types.FileUpdateChange;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Ready-made rules for {@code item/fileChange/requestApproval}. The request itself does not list the files;
 * codex announces them in the {@code fileChange} item it starts just before asking, which the client keeps
 * ({@link ApprovalContext#startedItem}).
 */
public final class FileChangeRules {

    private FileChangeRules() {}

    /** The rule type for file-change approvals. */
    public interface FileChangeRule extends ApprovalRule<FileChangeRequestApprovalParams, FileChangeApprovalDecision> {}

    /**
     * Declines a change that touches a path outside {@code root}, asks for write access to a root outside it
     * ({@code grantRoot}), or whose files the client cannot see (no announced item): what cannot be checked is
     * not let through.
     */
    public static FileChangeRule declineOutside(Path root) {
        Path base = root.toAbsolutePath().normalize();
        return (params, context) -> insideOnly(params, context, base)
                ? Optional.empty() : Optional.of(FileChangeApprovalDecision.DECLINE);
    }

    /** Accepts a change whose every path (and {@code grantRoot}, if any) lies inside {@code root}. */
    public static FileChangeRule acceptInside(Path root) {
        Path base = root.toAbsolutePath().normalize();
        return (params, context) -> insideOnly(params, context, base)
                ? Optional.of(FileChangeApprovalDecision.ACCEPT) : Optional.empty();
    }

    /** The files a request would change, as announced by its item; empty if the item is unknown. */
    public static Optional<List<FileUpdateChange>> changes(FileChangeRequestApprovalParams params,
            ApprovalContext context) {
        return context.startedItem(params.itemId())
                .filter(item -> item instanceof ThreadItem.FileChange)
                .map(item -> ((ThreadItem.FileChange) item).changes())
                .map(List::copyOf);
    }

    private static boolean insideOnly(FileChangeRequestApprovalParams params, ApprovalContext context, Path base) {
        if (params.grantRoot() != null && !inside(base, params.grantRoot())) {
            return false;
        }
        Optional<List<FileUpdateChange>> changes = changes(params, context);
        return changes.isPresent() && !changes.get().isEmpty()
                && changes.get().stream().allMatch(c -> c.path() != null && inside(base, c.path()));
    }

    private static boolean inside(Path base, String path) {
        return base.resolve(path).normalize().startsWith(base);
    }
}
