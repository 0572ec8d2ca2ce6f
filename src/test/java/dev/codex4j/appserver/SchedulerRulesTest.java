package dev.codex4j.appserver;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget.CodeUnitAccessTarget;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.lang.ArchRule;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.scheduler.Scheduler;

/**
 * The library keeps its work on the threads and schedulers it owns (and disposes at {@code close()}), never
 * on Reactor's global ones, which are shared with the application, outlive every client and start threads
 * of their own: the same idea as the ACP Java SDK's {@code SchedulerBestPracticesTest}.
 *
 * <p>Read from the compiled main classes (src/main/java, via ArchUnit) rather than from the source text, so
 * that a call counts however it is written (across lines, statically imported, as a method reference) and
 * each overload is told apart exactly ({@code Flux.interval(Duration, Duration)} needs a scheduler,
 * {@code Flux.interval(Duration, Scheduler)} has one; {@code timeout(Duration)} uses a timer,
 * {@code timeout(Publisher)} does not).
 *
 * <p>Not checked: the generated {@code protocol} package (it uses no Reactor at all, see
 * {@link ArchitectureTest}).
 */
@Timeout(60)
class SchedulerRulesTest {

    /** The classes checked: all of the library but the generated protocol package. */
    private static final DescribedPredicate<JavaClass> CHECKED = DescribedPredicate.describe(
            "are not in the generated protocol package",
            c -> !c.getPackageName().equals(MainClasses.ROOT + ".protocol")
                    && !c.getPackageName().startsWith(MainClasses.ROOT + ".protocol."));

    /** Reactor's JVM-wide schedulers; {@code Schedulers.immediate()} runs on the caller and is fine. */
    private static final Set<String> GLOBAL_SCHEDULERS = Set.of("boundedElastic", "parallel", "single");

    private static final DescribedPredicate<JavaAccess<?>> GLOBAL_SCHEDULER = DescribedPredicate.describe(
            "Schedulers.boundedElastic(), parallel() or single() (Reactor's global schedulers)",
            access -> access.getTarget() instanceof CodeUnitAccessTarget target
                    && target.getOwner().isEquivalentTo(reactor.core.scheduler.Schedulers.class)
                    && GLOBAL_SCHEDULERS.contains(target.getName())
                    && target.getRawParameterTypes().isEmpty());

    private static final DescribedPredicate<JavaAccess<?>> TIME_OPERATOR_WITHOUT_SCHEDULER = DescribedPredicate.describe(
            "a Reactor operator without its Scheduler argument (Mono.delay(d), Flux.interval(d), timeout(d), "
                    + "delayElements(d), delayElement(d), delaySubscription(d), cache(d), take(d), ...: "
                    + "these run on the global parallel scheduler)",
            access -> access.getTarget() instanceof CodeUnitAccessTarget target
                    && target.getOwner().getPackageName().equals("reactor.core.publisher")
                    && hasSchedulerOverload(target));

    @Test
    void noGlobalSchedulers() {
        ArchRule rule = noClasses().that(CHECKED).should().accessTargetWhere(GLOBAL_SCHEDULER)
                .because("the library runs on schedulers it owns and disposes at close(): "
                        + "dispatch, handlers, timer (or a thread of its own)");
        rule.check(main());
    }

    @Test
    void timeOperatorsNameTheirScheduler() {
        ArchRule rule = noClasses().that(CHECKED).should().accessTargetWhere(TIME_OPERATOR_WITHOUT_SCHEDULER)
                .because("a time operator without a scheduler argument runs on Reactor's global parallel scheduler; "
                        + "pass a scheduler the library owns (ApprovalContext.scheduler(), the session's timer, the thread API's timer), "
                        + "or wait on the calling thread (block(Duration))");
        rule.check(main());
    }

    /** The rule's classes exist: an exclusion that matched everything would make both rules pass vacuously. */
    @Test
    void theRulesSeeTheLibraryButNotTheExclusions() {
        List<String> checked = main().stream().filter(CHECKED).map(JavaClass::getName).toList();
        assertThat(checked)
                .contains(AppServerClient.class.getName(), MainClasses.ROOT + ".thread.CodexThread",
                        MainClasses.ROOT + ".thread.TurnHandle", MainClasses.ROOT + ".approval.ApprovalDecisions",
                        MainClasses.ROOT + ".session.CrashRecovery", MainClasses.ROOT + ".session.Session")
                .doesNotContain(MainClasses.ROOT + ".protocol.ClientMethods")
                .noneMatch(name -> name.startsWith(MainClasses.ROOT + ".protocol."));
    }

    private static JavaClasses main() {
        return MainClasses.all();
    }

    /**
     * Whether the target has no Scheduler parameter but its owner has the same method with a Scheduler
     * appended: Reactor's sign that this overload picks a (global) scheduler by itself.
     */
    private static boolean hasSchedulerOverload(CodeUnitAccessTarget target) {
        List<JavaClass> parameters = target.getRawParameterTypes();
        if (parameters.stream().anyMatch(p -> p.isEquivalentTo(Scheduler.class))) {
            return false;
        }
        Class<?> owner;
        try {
            owner = Class.forName(target.getOwner().getName(), false, SchedulerRulesTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError("not on the test classpath: " + target.getOwner().getName(), e);
        }
        for (Method method : owner.getMethods()) {
            Class<?>[] types = method.getParameterTypes();
            if (method.getName().equals(target.getName()) && types.length == parameters.size() + 1
                    && types[parameters.size()] == Scheduler.class
                    && IntStream.range(0, parameters.size()).allMatch(i -> parameters.get(i).isEquivalentTo(types[i]))) {
                return true;
            }
        }
        return false;
    }
}
