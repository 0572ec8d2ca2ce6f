package dev.codex4j.appserver;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Layers depend one way: transport <- rpc <- session <- client (root) <- thread, account; thread <- pool; approval on rpc and protocol
 * (the client uses it); protocol on Jackson only; and no two of the project's packages depend on each other
 * in a cycle.
 *
 * <p>ArchUnit reads the compiled main classes (target/classes, not the tests or examples), so a dependency
 * counts however it is written: an import, a fully qualified name, a static call, a field or signature type.
 * The rules are checked from plain JUnit tests (not ArchUnit's own engine) so that the class's {@code @Timeout}
 * applies to them.
 */
@Timeout(60)
class ArchitectureTest {

    private static final String ROOT = MainClasses.ROOT;
    private static final String TRANSPORT = ROOT + ".transport..";
    private static final String RPC = ROOT + ".rpc..";
    private static final String SESSION = ROOT + ".session..";
    private static final String APPROVAL = ROOT + ".approval..";
    private static final String THREAD = ROOT + ".thread..";
    private static final String ACCOUNT = ROOT + ".account..";
    private static final String POOL = ROOT + ".pool..";
    private static final String PROTOCOL = ROOT + ".protocol..";
    private static final String OBSERVATION = ROOT + ".observation..";

    @Test
    void transportUsesNoOtherPackageOfTheProject() {
        ArchRule rule = classes().that().resideInAPackage(TRANSPORT)
                .should().onlyDependOnClassesThat(resideOutsideOfPackage(ROOT + "..").or(resideInAPackage(TRANSPORT)))
                .because("the transport is the bottom layer: it moves lines to and from a process");
        rule.check(MainClasses.all());
    }

    @Test
    void rpcUsesOnlyTheTransport() {
        ArchRule rule = classes().that().resideInAPackage(RPC)
                .should().onlyDependOnClassesThat(resideOutsideOfPackage(ROOT + "..")
                        .or(resideInAnyPackage(RPC, TRANSPORT)))
                .because("JSON-RPC messages know nothing of the client, the protocol's types, approvals or threads");
        rule.check(MainClasses.all());
    }

    @Test
    void theSessionKnowsNeitherTheClientNorApprovalsNorThreads() {
        ArchRule rule = classes().that().resideInAPackage(SESSION)
                .should().onlyDependOnClassesThat(resideOutsideOfPackage(ROOT + "..")
                        .or(resideInAnyPackage(SESSION, RPC, TRANSPORT, PROTOCOL)))
                .because("the session is one connection's life below the client: it answers server requests "
                        + "through a ServerRequestHandler the client gives it");
        rule.check(MainClasses.all());
    }

    @Test
    void approvalUsesNeitherTheClientNorTheSessionNorThreads() {
        ArchRule rule = noClasses().that().resideInAPackage(APPROVAL)
                .should().dependOnClassesThat(resideInAPackage(ROOT).or(resideInAnyPackage(SESSION, THREAD)))
                .because("approval decisions are built on rpc and protocol, and the client and threads use them");
        rule.check(MainClasses.all());
    }

    @Test
    void theClientDoesNotKnowTheThreadApi() {
        ArchRule rule = noClasses().that().resideInAPackage(ROOT)
                .should().dependOnClassesThat(resideInAPackage(THREAD))
                .because("thread builds on the client (keeping its state in a client attachment), never the reverse");
        rule.check(MainClasses.all());
    }

    @Test
    void theThreadApiUsesTheClientNotTheSession() {
        ArchRule rule = noClasses().that().resideInAPackage(THREAD)
                .should().dependOnClassesThat(resideInAPackage(SESSION))
                .because("the session is internal; the thread API is a user of the client's public API");
        rule.check(MainClasses.all());
    }

    @Test
    void theClientDoesNotKnowTheAccountApi() {
        ArchRule rule = noClasses().that().resideInAPackage(ROOT)
                .should().dependOnClassesThat(resideInAPackage(ACCOUNT))
                .because("account builds on the client, never the reverse");
        rule.check(MainClasses.all());
    }

    @Test
    void theAccountApiUsesTheClientNotTheSession() {
        ArchRule rule = noClasses().that().resideInAPackage(ACCOUNT)
                .should().dependOnClassesThat(resideInAnyPackage(SESSION, THREAD))
                .because("the session is internal; sign-in is a user of the client's public API, beside the "
                        + "thread API rather than on it");
        rule.check(MainClasses.all());
    }

    @Test
    void thePoolUsesTheClientAndTheThreadApiNotTheSession() {
        ArchRule rule = noClasses().that().resideInAPackage(POOL)
                .should().dependOnClassesThat(resideInAnyPackage(SESSION, ACCOUNT))
                .because("the pool is a user of the client's and the thread API's public API");
        rule.check(MainClasses.all());
    }

    @Test
    void nothingDependsOnThePool() {
        ArchRule rule = noClasses().that().resideOutsideOfPackages(POOL, OBSERVATION)
                .should().dependOnClassesThat(resideInAPackage(POOL))
                .because("the pool is the top layer: the client and the thread API know nothing of it (only the "
                        + "optional metrics over it in observation do)");
    }

    @Test
    void micrometerIsUsedOnlyByTheObservationPackage() {
        ArchRule rule = noClasses().that().resideOutsideOfPackage(OBSERVATION)
                .should().dependOnClassesThat(resideInAPackage("io.micrometer.."))
                .because("Micrometer is optional: the rest of the library reports through ClientObserver, which "
                        + "has no Micrometer types, so it runs without Micrometer on the class path");
        rule.check(MainClasses.all());
    }

    @Test
    void nothingDependsOnTheObservationPackage() {
        ArchRule rule = noClasses().that().resideOutsideOfPackage(OBSERVATION)
                .should().dependOnClassesThat(resideInAPackage(OBSERVATION))
                .because("its classes need Micrometer; the client is handed one only by the application");
        rule.check(MainClasses.all());
    }

    @Test
    void theGeneratedProtocolDependsOnNothingButJacksonAndTheJdk() {
        ArchRule rule = classes().that().resideInAPackage(PROTOCOL)
                .should().onlyDependOnClassesThat(resideInAnyPackage(PROTOCOL, "com.fasterxml.jackson..", "java.."))
                .because("the generated protocol types are plain Jackson-annotated records, enums and unions");
        rule.check(MainClasses.all());
    }

    /** Slices: the root package, and each package under it with its subpackages ({@code dev.codex4j.appserver.(*)..}). */
    @Test
    void noCyclesBetweenPackages() {
        ArchRule rule = slices().assignedFrom(PACKAGES).should().beFreeOfCycles();
        rule.check(MainClasses.all());
    }

    private static final SliceAssignment PACKAGES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            String pkg = javaClass.getPackageName();
            if (pkg.equals(ROOT)) {
                return SliceIdentifier.of("root");
            }
            if (!pkg.startsWith(ROOT + ".")) {
                return SliceIdentifier.ignore();
            }
            return SliceIdentifier.of(pkg.substring(ROOT.length() + 1).split("\\.", 2)[0]);
        }

        @Override
        public String getDescription() {
            return "the root package and each package under " + ROOT + " (with its subpackages)";
        }
    };
}
