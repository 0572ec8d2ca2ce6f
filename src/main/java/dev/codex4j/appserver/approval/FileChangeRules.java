package dev.codex4j.appserver.approval;

import dev.codex4j.appserver.protocol.types.FileChangeApprovalDecision;
import dev.codex4j.appserver.protocol.types.FileChangeRequestApprovalParams;
import dev.codex4j.appserver.protocol.types.FileUpdateChange;
import dev.codex4j.appserver.protocol.types.PatchChangeKind;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
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
     * not let through. Paths are compared as the file system resolves them (see {@link #acceptInside}).
     */
    public static FileChangeRule declineOutside(Path root) {
        Path base = root.toAbsolutePath();
        return (params, context) -> insideOnly(params, context, base)
                ? Optional.empty() : Optional.of(FileChangeApprovalDecision.DECLINE);
    }

    /**
     * Accepts a change whose every path (the target of a move too, and {@code grantRoot}, if any) lies inside
     * {@code root}. Symbolic links and {@code ..} are resolved as the file system would when the change is
     * written, as far as the path exists: a link inside {@code root} pointing outside it counts as outside. A
     * path that cannot be resolved (a dangling or looping link, an unreadable directory) counts as outside.
     */
    public static FileChangeRule acceptInside(Path root) {
        Path base = root.toAbsolutePath();
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

    private static boolean insideOnly(FileChangeRequestApprovalParams params, ApprovalContext context, Path root) {
        // resolved on every decision: links may change between requests
        Optional<Path> base = realPath(root);
        if (base.isEmpty()) {
            return false;
        }
        if (params.grantRoot() != null && !inside(base.get(), root, params.grantRoot())) {
            return false;
        }
        Optional<List<FileUpdateChange>> changes = changes(params, context);
        return changes.isPresent() && !changes.get().isEmpty()
                && changes.get().stream().allMatch(c -> insideChange(base.get(), root, c));
    }

    private static boolean insideChange(Path base, Path root, FileUpdateChange change) {
        if (change.path() == null || !inside(base, root, change.path())) {
            return false;
        }
        PatchChangeKind kind = change.kind();
        if (kind instanceof PatchChangeKind.Update update) {
            // a move writes its target as well
            return update.movePath() == null || inside(base, root, update.movePath());
        }
        // a kind this version does not know may write somewhere it cannot see
        return kind instanceof PatchChangeKind.Add || kind instanceof PatchChangeKind.Delete;
    }

    /** {@code path} (relative paths count from {@code root}) resolves to {@code base} or below it. */
    private static boolean inside(Path base, Path root, String path) {
        try {
            return realPath(root.resolve(path)).map(p -> p.startsWith(base)).orElse(false);
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /**
     * Where {@code path} leads: its deepest existing ancestor with links and {@code ..} resolved by the file
     * system, then the rest normalized; empty if that cannot be told.
     */
    static Optional<Path> realPath(Path path) {
        Path existing = path.toAbsolutePath();
        Deque<Path> rest = new ArrayDeque<>();
        while (existing != null) {
            try {
                Path resolved = existing.toRealPath();
                for (Path name : rest) {
                    resolved = resolved.resolve(name);
                }
                return Optional.of(resolved.normalize());
            } catch (NoSuchFileException e) {
                if (Files.isSymbolicLink(existing)) {
                    return Optional.empty(); // dangling link: writing through it creates its target, wherever
                }
                if (existing.getFileName() == null) {
                    return Optional.empty();
                }
                rest.addFirst(existing.getFileName());
                existing = existing.getParent();
            } catch (IOException | SecurityException e) {
                return Optional.empty(); // a link loop, a directory we may not read: cannot tell where it leads
            }
        }
        return Optional.empty();
    }
}
