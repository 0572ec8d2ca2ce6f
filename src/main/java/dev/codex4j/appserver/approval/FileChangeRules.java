package dev.codex4j.appserver.approval;

import dev.codex4j.appserver.protocol.types.FileChangeApprovalDecision;
import dev.codex4j.appserver.protocol.types.FileChangeRequestApprovalParams;
import dev.codex4j.appserver.protocol.types.FileUpdateChange;
import dev.codex4j.appserver.protocol.types.PatchChangeKind;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Ready-made rules for {@code item/fileChange/requestApproval}. The request itself does not list the files;
 * codex announces them in the {@code fileChange} item it starts just before asking, which the client keeps
 * ({@link ApprovalContext#startedItem}). What cannot be checked (no announced item, an unknown change kind,
 * a path that cannot be resolved) is never accepted.
 *
 * <p>Paths are resolved as the file system would walk them when the change is written, not normalised as
 * text: links are followed where they exist, and {@code ..} after a directory that does not exist yet makes
 * a path unresolvable (see {@code docs/approvals-threat-model.md}).
 */
public final class FileChangeRules {

    private FileChangeRules() {}

    /** The rule type for file-change approvals. */
    public interface FileChangeRule extends ApprovalRule<FileChangeRequestApprovalParams, FileChangeApprovalDecision> {}

    /**
     * Declines a change that touches a path outside {@code root} or one that cannot be resolved, that deletes
     * or moves {@code root} itself, whose kind this version does not know, that asks for write access to a root outside it ({@code grantRoot}), or
     * whose files the client cannot see (no announced item).
     */
    public static FileChangeRule declineOutside(Path root) {
        Objects.requireNonNull(root, "root");
        Workspace workspace = Workspace.of(root);
        return (params, context) -> {
            Optional<Path> base = workspace.realRoot();
            Optional<List<FileUpdateChange>> changes = changes(params, context);
            Workspace.Budget budget = workspace.budget();
            boolean inside = base.isPresent() && changes.isPresent() && !changes.get().isEmpty()
                    && (params.grantRoot() == null || resolve(base.get(), params.grantRoot(), budget)
                            .map(p -> p.startsWith(base.get())).orElse(false))
                    && changes.get().stream().allMatch(c -> knownKind(c) && paths(c).stream().allMatch(path ->
                            resolve(base.get(), path, budget)
                                    .map(p -> p.startsWith(base.get()) && !p.equals(base.get())).orElse(false)));
            return inside ? Optional.empty() : Optional.of(FileChangeApprovalDecision.DECLINE);
        };
    }

    /**
     * Accepts a change when every path it writes, deletes or moves to lies strictly inside {@code root} and is
     * not protected; abstains otherwise. Protected: {@code root} itself, anything under a {@code .git} or
     * {@code .codex} directory at any depth (a git hook or config is code that runs later), and
     * {@code protectedPaths} (relative to {@code root}). A path counts as outside when it leads out through a
     * symbolic link, cannot be resolved, or is an existing file with another hard link (writing it would
     * change that other name too). A change that asks for a writable root ({@code grantRoot}) or has a kind
     * this version does not know is left to the handler.
     */
    public static FileChangeRule acceptInside(Path root, List<String> protectedPaths) {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(protectedPaths, "protectedPaths");
        Workspace workspace = Workspace.of(root, protectedPaths);
        return (params, context) -> {
            Optional<Path> base = workspace.realRoot();
            Optional<List<FileUpdateChange>> changes = changes(params, context);
            if (base.isEmpty() || params.grantRoot() != null || changes.isEmpty() || changes.get().isEmpty()) {
                return Optional.empty();
            }
            Workspace.Budget budget = workspace.budget();
            for (FileUpdateChange change : changes.get()) {
                if (!knownKind(change)) {
                    return Optional.empty();
                }
                for (String path : paths(change)) {
                    Optional<Path> resolved = resolve(base.get(), path, budget);
                    if (resolved.isEmpty() || !workspace.isWritable(base.get(), resolved.get(), budget)
                            || Workspace.hasOtherNames(resolved.get())) {
                        return Optional.empty();
                    }
                }
            }
            return Optional.of(FileChangeApprovalDecision.ACCEPT);
        };
    }

    /** {@link #acceptInside(Path, List)} with only the default protected paths. */
    public static FileChangeRule acceptInside(Path root) {
        return acceptInside(root, List.of());
    }

    /** The files a request would change, as announced by its item; empty if the item is unknown. */
    public static Optional<List<FileUpdateChange>> changes(FileChangeRequestApprovalParams params,
            ApprovalContext context) {
        return context.startedItem(params.itemId())
                .filter(item -> item instanceof ThreadItem.FileChange)
                .map(item -> ((ThreadItem.FileChange) item).changes())
                .map(List::copyOf);
    }

    /** A kind this version does not know may write where a rule cannot see. */
    private static boolean knownKind(FileUpdateChange change) {
        return change.kind() instanceof PatchChangeKind.Add || change.kind() instanceof PatchChangeKind.Delete
                || change.kind() instanceof PatchChangeKind.Update;
    }

    /** The paths a change touches: its path, and a move's target; {@code null} stands for "unknown". */
    private static List<String> paths(FileUpdateChange change) {
        List<String> paths = new ArrayList<>();
        paths.add(change.path());
        if (change.kind() instanceof PatchChangeKind.Update update && update.movePath() != null) {
            paths.add(update.movePath());
        }
        return paths;
    }

    private static Optional<Path> resolve(Path base, String path, Workspace.Budget budget) {
        return path == null ? Optional.empty() : Workspace.resolve(base, path, budget);
    }
}
