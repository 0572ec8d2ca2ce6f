package dev.codex4j.appserver;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The library's compiled classes (target/classes: not the tests, not the examples), read once by ArchUnit for
 * the rule tests of this JVM ({@link ArchitectureTest}, {@link SchedulerRulesTest}).
 */
final class MainClasses {

    static final String ROOT = "dev.codex4j.appserver";

    private MainClasses() {}

    /** Imported on first use (a few seconds), then shared. */
    static JavaClasses all() {
        return Holder.ALL;
    }

    private static final class Holder {
        static final JavaClasses ALL = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages(ROOT);
    }
}
