package dev.codex4j.appserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Versions this build of codex4j knows. */
final class Version {

    /** Where the build writes codex4j's version ({@code version=${project.version}}, filtered by Maven). */
    static final String RESOURCE = "/dev/codex4j/appserver/codex4j.properties";

    /** codex4j's own version, as the build that made these classes wrote it into {@link #RESOURCE}. */
    static final String CURRENT = read(RESOURCE);

    private Version() {}

    /** The {@code version} in a properties resource; fails if the resource or a filtered value is missing. */
    static String read(String resource) {
        try (InputStream in = Version.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("codex4j cannot tell its own version: " + resource
                        + " is not on the classpath (the Maven build writes it; were these classes built another way?)");
            }
            Properties properties = new Properties();
            properties.load(in);
            String version = properties.getProperty("version");
            if (version == null || version.isBlank() || version.contains("${")) {
                throw new IllegalStateException("codex4j cannot tell its own version: " + resource
                        + " has version=" + version + " (the build did not filter it)");
            }
            return version.strip();
        } catch (IOException e) {
            throw new UncheckedIOException("codex4j cannot read " + resource, e);
        }
    }
}
