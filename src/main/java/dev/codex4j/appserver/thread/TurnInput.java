package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.protocol.types.UserInput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the user says in one turn: text, images, skills and mentions, in order.
 *
 * <pre>{@code
 * thread.run("Summarize README.md");                                      // plain text
 * thread.run(TurnInput.builder()
 *         .text("What is wrong in this screenshot?")
 *         .localImage(Path.of("/tmp/screen.png"))
 *         .build());
 * }</pre>
 */
public final class TurnInput {

    private final List<UserInput> items;

    private TurnInput(List<UserInput> items) {
        if (items.isEmpty()) {
            throw new IllegalArgumentException("a turn needs at least one input item");
        }
        this.items = List.copyOf(items);
    }

    /** One text item. */
    public static TurnInput text(String text) {
        return builder().text(text).build();
    }

    /** The given protocol items as they are. */
    public static TurnInput of(List<UserInput> items) {
        Objects.requireNonNull(items, "items");
        items.forEach(i -> Objects.requireNonNull(i, "items must not contain null"));
        return new TurnInput(items);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The items as sent in {@code input} of {@code turn/start} and {@code turn/steer}. */
    public List<UserInput> items() {
        return items;
    }

    @Override
    public String toString() {
        return "TurnInput" + items;
    }

    /** Collects input items in order. */
    public static final class Builder {

        private final List<UserInput> items = new ArrayList<>();

        private Builder() {}

        public Builder text(String text) {
            return add(new UserInput.Text(Objects.requireNonNull(text, "text"), null));
        }

        /** An image file on the machine codex runs on. */
        public Builder localImage(Path path) {
            return add(new UserInput.LocalImage(null, Objects.requireNonNull(path, "path").toString()));
        }

        /** An image by URL (also {@code data:} URLs). */
        public Builder imageUrl(String url) {
            return add(new UserInput.Image(null, Objects.requireNonNull(url, "url"), null));
        }

        /** A skill to use, by name and the path of its {@code SKILL.md}. */
        public Builder skill(String name, Path path) {
            return add(new UserInput.Skill(Objects.requireNonNull(name, "name"),
                    Objects.requireNonNull(path, "path").toString()));
        }

        /** A mention of a file or resource, by display name and path. */
        public Builder mention(String name, String path) {
            return add(new UserInput.Mention(Objects.requireNonNull(name, "name"), Objects.requireNonNull(path, "path")));
        }

        /** Any other protocol item. */
        public Builder add(UserInput item) {
            items.add(Objects.requireNonNull(item, "item"));
            return this;
        }

        public TurnInput build() {
            return new TurnInput(items);
        }
    }
}
