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
 * Layers depend one way: transport <- rpc <- client (root) <- thread; approval on rpc and protocol; protocol on
 * Jackson only; and no two of the project's packages depend on each other in a cycle. (The client's few
 * delegating methods to the thread API are the one link back, for now: see {@link #noCyclesBetweenPackages}.)
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
    private static final String APPROVAL = ROOT + ".approval..";
    private static final String THREAD = ROOT + ".thread..";
    private static final String PROTOCOL = ROOT + ".protocol..";

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
    void approvalUsesNeitherTheClientNorThreads() {
        ArchRule rule = noClasses().that().resideInAPackage(APPROVAL)
                .should().dependOnClassesThat(resideInAPackage(ROOT).or(resideInAPackage(THREAD)))
                .because("approval decisions are built on rpc and protocol, and the client and threads use them");
        rule.check(MainClasses.all());
    }

    @Test
    void theGeneratedProtocolDependsOnNothingButJacksonAndTheJdk() {
        ArchRule rule = classes().that().resideInAPackage(PROTOCOL)
                .should().onlyDependOnClassesThat(resideInAnyPackage(PROTOCOL, "com.fasterxml.jackson..", "java.."))
                .because("the generated protocol types are plain Jackson-annotated records, enums and unions");
        rule.check(MainClasses.all());
    }

    /**
     * Slices: the root package, and each package under it with its subpackages
     * ({@code dev.codex4j.appserver.(*)..}).
     *
     * <p>KNOWN CYCLE, EXCLUDED ON PURPOSE: the root package (AppServerClient's delegating methods) and
     * {@code thread} import each other; another engineer is removing that cycle. Until then the two count as
     * one slice here, which hides exactly that cycle and no other: any cycle that also passes through a third
     * package still fails. Once the cycle is gone, delete {@link #KNOWN_CYCLE} and its use in
     * {@link #PACKAGES}.
     */
    @Test
    void noCyclesBetweenPackages() {
        ArchRule rule = slices().assignedFrom(PACKAGES).should().beFreeOfCycles();
        rule.check(MainClasses.all());
    }

    private static final SliceIdentifier KNOWN_CYCLE = SliceIdentifier.of("root and thread (known cycle)");

    private static final SliceAssignment PACKAGES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            String pkg = javaClass.getPackageName();
            if (pkg.equals(ROOT)) {
                return KNOWN_CYCLE;
            }
            if (!pkg.startsWith(ROOT + ".")) {
                return SliceIdentifier.ignore();
            }
            String first = pkg.substring(ROOT.length() + 1).split("\\.", 2)[0];
            return first.equals("thread") ? KNOWN_CYCLE : SliceIdentifier.of(first);
        }

        @Override
        public String getDescription() {
            return "the root package and each package under " + ROOT + " (with its subpackages)";
        }
    };
}
