package dev.codex4j.appserver.approval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A directory the rules keep changes and commands inside, and the paths in it that stay protected.
 *
 * <p>Paths are resolved the way the kernel walks them, never normalised as text: each existing component is
 * looked at without following it; a symbolic link is replaced by where it leads; {@code ..} goes to the
 * parent of what was actually reached. Once a component does not exist, the rest is appended as it is, and
 * a {@code ..} after it makes the path unresolvable ({@code newdir/../link/x} would otherwise be read as
 * {@code link/x} without ever looking at {@code link}). A dangling or looping link, an unreadable directory,
 * a file used as a directory and a path longer than the budget are unresolvable too; callers count those as
 * outside.
 *
 * <p>Resolved on every decision: links may change between requests. What this cannot see is a change
 * between the decision and the write (another process swapping a directory for a link meanwhile); codex's
 * sandbox is what holds then.
 */
final class Workspace {

    /** Components resolved per decision at most; beyond it, paths count as outside. */
    static final int COMPONENT_BUDGET = 10_000;

    /** Names that are protected wherever they appear: a git hook or config is code that runs later. */
    static final List<String> PROTECTED_NAMES = List.of(".git", ".codex");

    private final Path root;
    private final List<String> protectedPaths;

    private Workspace(Path root, List<String> protectedPaths) {
        this.root = root.toAbsolutePath();
        this.protectedPaths = List.copyOf(protectedPaths);
    }

    static Workspace of(Path root) {
        return new Workspace(root, List.of());
    }

    /** With {@code paths} (relative to the root, or absolute inside it) protected as well. */
    static Workspace of(Path root, List<String> paths) {
        return new Workspace(root, paths);
    }

    /** Counts resolved components for one decision. */
    static final class Budget {
        private int left = COMPONENT_BUDGET;

        boolean spend() {
            return left-- > 0;
        }
    }

    Budget budget() {
        return new Budget();
    }

    /** The root as the file system has it, or empty if it does not exist or cannot be resolved. */
    Optional<Path> realRoot() {
        try {
            return Optional.of(root.toRealPath());
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** {@code path} (relative to the root) resolved, if it leads to the root or inside it. */
    Optional<Path> resolveInside(String path) {
        Optional<Path> base = realRoot();
        if (base.isEmpty()) {
            return Optional.empty();
        }
        return resolve(base.get(), path, budget()).filter(p -> p.startsWith(base.get()));
    }

    /** {@code true} if {@code path}, relative to {@code from} (a resolved directory), leads to the root or inside it. */
    boolean leadsInside(Path from, String path, Budget budget) {
        Optional<Path> base = realRoot();
        return base.isPresent() && resolve(from, path, budget).map(p -> p.startsWith(base.get())).orElse(false);
    }

    /**
     * {@code true} if {@code resolved} (a result of {@link #resolve}) is strictly inside the root and not
     * protected: not the root itself, not under a {@code .git} or {@code .codex} directory at any depth (case
     * ignored, as some file systems do) and not under a path added as protected.
     */
    boolean isWritable(Path realRoot, Path resolved, Budget budget) {
        if (!resolved.startsWith(realRoot) || resolved.equals(realRoot)) {
            return false;
        }
        for (Path name : realRoot.relativize(resolved)) {
            String text = name.toString().toLowerCase(Locale.ROOT);
            if (PROTECTED_NAMES.contains(text)) {
                return false;
            }
        }
        for (String extra : protectedPaths) {
            Optional<Path> protectedPath = resolve(realRoot, extra, budget);
            if (protectedPath.isEmpty() || resolved.startsWith(protectedPath.get())) {
                return false;
            }
        }
        return true;
    }

    /** {@code true} if {@code resolved} is an existing regular file with another name somewhere (a hard link). */
    static boolean hasOtherNames(Path resolved) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(resolved, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile()) {
                return false;
            }
            Object links = Files.getAttribute(resolved, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
            return !(links instanceof Integer count) || count > 1;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            return true; // cannot tell: count it as linked
        }
    }

    /**
     * Where {@code path} leads from {@code start} (a resolved directory; absolute paths start at the file
     * system root), as described in the class comment; empty if that cannot be told.
     */
    static Optional<Path> resolve(Path start, String path, Budget budget) {
        if (path.isEmpty() || path.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        Path current = path.startsWith("/") ? start.getRoot() : start;
        boolean missing = false;
        int i = 0;
        while (i <= path.length()) {
            int slash = path.indexOf('/', i);
            int end = slash < 0 ? path.length() : slash;
            String name = path.substring(i, end);
            i = end + 1;
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (!budget.spend()) {
                return Optional.empty();
            }
            if (name.equals("..")) {
                if (missing) {
                    return Optional.empty();
                }
                current = current.getParent() == null ? current : current.getParent();
                continue;
            }
            Path next;
            try {
                next = current.resolve(name);
            } catch (InvalidPathException e) {
                return Optional.empty();
            }
            if (missing) {
                current = next;
                continue;
            }
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(next, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                missing = true;
                current = next;
                continue;
            } catch (IOException | SecurityException e) {
                return Optional.empty(); // a file used as a directory, no permission
            }
            if (attributes.isSymbolicLink()) {
                try {
                    current = next.toRealPath();
                } catch (IOException | SecurityException e) {
                    return Optional.empty(); // dangling or looping: writing through it goes wherever it says
                }
            } else {
                current = next;
            }
        }
        return Optional.of(current);
    }
}
