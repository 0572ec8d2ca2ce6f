package dev.codex4j.appserver.approval;

import static dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.ACCEPT;
import static dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.ACCEPT_FOR_SESSION;
import static dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.DECLINE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codex4j.appserver.approval.ApprovalEvent.DecidedBy;
import dev.codex4j.appserver.approval.CommandRules.CommandRule;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.AcceptWithExecpolicyAmendment;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams;
import dev.codex4j.appserver.rpc.IncomingRequest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The accepting {@link CommandRules}: {@code acceptPrefixes} (comparing whole words; empty prefixes and
 * null arguments refused), accepting rules abstaining unless the request is a plain local command,
 * {@code acceptMatching}, {@code forSession} and forwarding a proposed execpolicy amendment no wider than a
 * prefix; and combining rules: {@code firstMatch} and the builder's order.
 */
@Timeout(30)
class CommandRulesAcceptTest extends CommandRulesTestBase {

    // --- acceptPrefixes: accepts only one literal simple command ---------------------------------------------

    @Test
    void acceptPrefixesAcceptsACommandStartingWithAPrefix() {
        assertThat(decide(gitStatusOrEcho, command("git status"))).contains(ACCEPT);
        assertThat(decide(gitStatusOrEcho, command("git status -s"))).contains(ACCEPT);
        assertThat(decide(gitStatusOrEcho, command("echo hi"))).contains(ACCEPT);
        assertThat(decide(gitStatusOrEcho, unparsed("/bin/bash -lc ls"))).isEmpty();
        assertThat(decide(CommandRules.acceptPrefixes(List.of(List.of("ls"))), unparsed("/bin/bash -lc ls")))
                .as("a bare unquoted script").contains(ACCEPT);
    }

    @Test
    void acceptPrefixesAbstainsOnOtherCommands() {
        assertThat(decide(gitStatusOrEcho, command("git push"))).isEmpty();
        assertThat(decide(gitStatusOrEcho, command("gitstatus"))).isEmpty();
        assertThat(decide(gitStatusOrEcho, command("/usr/bin/git status"))).as("names compare exactly").isEmpty();
    }

    @Test
    void acceptPrefixesComparesWholeWordsNotCharacters() {
        CommandRule ls = CommandRules.acceptPrefixes(List.of(List.of("ls")));
        assertThat(decide(ls, command("ls -la"))).contains(ACCEPT);
        assertThat(decide(ls, command("lsblk"))).isEmpty();
    }

    @Test
    void nullArgumentsAreRefusedByName() {
        assertThatThrownBy(() -> CommandRules.acceptPrefixes(null)).hasMessage("prefixes");
        assertThatThrownBy(() -> CommandRules.declinePrefixes(null)).hasMessage("prefixes");
        assertThatThrownBy(() -> CommandRules.declineOutside(null)).hasMessage("root");
        assertThatThrownBy(() -> CommandRules.literalArgv(null)).hasMessage("params");
        assertThatThrownBy(() -> FileChangeRules.acceptInside(ROOT, null)).hasMessage("protectedPaths");
        assertThatThrownBy(() -> FileChangeRules.declineOutside(null)).hasMessage("root");
    }

    @Test
    void anEmptyPrefixIsRefusedWhenTheRuleIsBuilt() {
        assertThatThrownBy(() -> CommandRules.acceptPrefixes(List.of(List.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty prefix");
    }


    // --- accepting rules see the whole request ---------------------------------------------------------------

    private CommandExecutionRequestApprovalParams gitStatusWith(String field, JsonNode value) {
        ObjectNode params = realParams();
        params.put("command", "/bin/bash -lc 'git status'");
        params.set(field, value);
        return decode(params);
    }

    @Test
    void acceptingRulesAbstainUnlessTheRequestIsAPlainLocalCommand() throws Exception {
        var mapper = context.mapper();
        assertThat(decide(gitStatusOrEcho, gitStatusWith("kind", mapper.valueToTree("command")))).contains(ACCEPT);
        assertThat(decide(gitStatusOrEcho, gitStatusWith("environmentId", mapper.valueToTree("local")))).contains(ACCEPT);

        assertThat(decide(gitStatusOrEcho, gitStatusWith("kind", mapper.valueToTree("writeStdin")))).isEmpty();
        assertThat(decide(gitStatusOrEcho, gitStatusWith("kind", mapper.valueToTree("humanCommand")))).isEmpty();
        assertThat(decide(gitStatusOrEcho, gitStatusWith("kind", mapper.valueToTree("somethingNew")))).isEmpty();
        assertThat(decide(gitStatusOrEcho, gitStatusWith("environmentId", mapper.valueToTree("remote-1")))).isEmpty();
        assertThat(decide(gitStatusOrEcho, gitStatusWith("approvalId", mapper.valueToTree("cb-1")))).isEmpty();
        assertThat(decide(gitStatusOrEcho, gitStatusWith("networkApprovalContext",
                mapper.readTree("{\"host\":\"example.com\",\"protocol\":\"https\"}")))).isEmpty();
        assertThat(decide(gitStatusOrEcho, gitStatusWith("additionalPermissions",
                mapper.readTree("{\"fileSystem\":{\"write\":[\"/\"]}}")))).isEmpty();
        assertThat(decide(gitStatusOrEcho, gitStatusWith("proposedNetworkPolicyAmendments",
                mapper.readTree("[{\"host\":\"example.com\",\"action\":\"allow\"}]")))).isEmpty();
        assertThat(decide(CommandRules.acceptMatching(Pattern.compile(".*")), gitStatusWith("additionalPermissions",
                mapper.readTree("{\"fileSystem\":{\"write\":[\"/\"]}}")))).isEmpty();
    }

    // --- acceptMatching -------------------------------------------------------------------------------------

    @Test
    void acceptMatchingAcceptsAPlainCommandMatchingAsAWhole() {
        CommandRule ls = CommandRules.acceptMatching(Pattern.compile("ls( -[a-z]+)*"));
        assertThat(decide(ls, command("ls -la"))).contains(ACCEPT);
        assertThat(decide(ls, command("ls"))).contains(ACCEPT);
        assertThat(decide(ls, command("ls -la /"))).isEmpty();
        assertThat(decide(ls, command("ls; id"))).isEmpty();
        assertThat(decide(ls, command("ls -la | sh"))).isEmpty();
        assertThat(decide(ls, command("ls -l && ls -a"))).isEmpty();
    }

    @Test
    void acceptMatchingSeesQuotedWordsJoinedBySpaces() {
        CommandRule commit = CommandRules.acceptMatching(Pattern.compile("git commit -m [a-z ]+"));
        assertThat(decide(commit, command("git commit -m 'a b'"))).contains(ACCEPT);
        assertThat(decide(commit, command("git commit -m \"$(id)\""))).isEmpty();
    }

    // --- forSession and amendments ----------------------------------------------------------------------------

    @Test
    void forSessionTurnsAnAcceptIntoAcceptForSession() {
        assertThat(decide(CommandRules.forSession(gitStatusOrEcho), command("git status"))).contains(ACCEPT_FOR_SESSION);
    }

    @Test
    void forSessionLeavesADeclineAndAnAbstentionAlone() {
        CommandRule noRm = CommandRules.forSession(CommandRules.declinePrefixes(List.of(List.of("rm"))));
        assertThat(decide(noRm, command("rm -rf x"))).contains(DECLINE);
        assertThat(decide(CommandRules.forSession(gitStatusOrEcho), command("git push"))).isEmpty();
    }

    /** The real request for {@code script}, with codex proposing {@code amendment}. */
    private CommandExecutionRequestApprovalParams proposing(String script, List<String> amendment) {
        ObjectNode params = realParams();
        params.put("command", "/bin/bash -lc " + shellQuote(script));
        params.set("proposedExecpolicyAmendment", context.mapper().valueToTree(amendment));
        return decode(params);
    }

    @Test
    void anAmendmentEqualToOrNarrowerThanAPrefixIsForwarded() throws Exception {
        CommandRule npmTest = CommandRules.acceptPrefixes(List.of(List.of("npm", "test"))).withProposedAmendment();
        assertThat(decide(npmTest, proposing("npm test", List.of("npm", "test"))))
                .contains(AcceptWithExecpolicyAmendment.of(List.of("npm", "test")));
        assertThat(decide(npmTest, proposing("npm test --ci", List.of("npm", "test", "--ci"))))
                .contains(AcceptWithExecpolicyAmendment.of(List.of("npm", "test", "--ci")));
        assertThat(decide(npmTest, proposing("npm test", List.of("/bin/bash", "-lc", "npm test"))))
                .as("the wrapper with exactly this script").contains(
                        AcceptWithExecpolicyAmendment.of(List.of("/bin/bash", "-lc", "npm test")));
        Optional<CommandExecutionApprovalDecision> decision = decide(npmTest, proposing("npm test", List.of("npm", "test")));
        assertThat(context.mapper().writeValueAsString(decision.get()))
                .isEqualTo("{\"acceptWithExecpolicyAmendment\":{\"execpolicy_amendment\":[\"npm\",\"test\"]}}");
    }

    @Test
    void anAmendmentWiderThanEveryPrefixIsNeverForwarded() {
        CommandRule npmTest = CommandRules.acceptPrefixes(List.of(List.of("npm", "test"))).withProposedAmendment();
        for (List<String> wider : List.of(List.of("npm"), List.of("/bin/bash", "-lc"), List.of("/bin/bash"),
                List.of("/bin/bash", "-lc", "npm"), List.of("/bin/bash", "-lc", "npm test; rm -rf ~"),
                List.of("npm", "tes"), List.of("npx", "test"))) {
            assertThat(decide(npmTest, proposing("npm test", wider))).as("%s", wider).contains(ACCEPT);
        }
        ObjectNode none = realParams();
        none.put("command", "/bin/bash -lc 'npm test'");
        none.remove("proposedExecpolicyAmendment");
        assertThat(decide(npmTest, decode(none))).contains(ACCEPT);
        assertThat(decide(npmTest, proposing("npm run build", List.of("npm", "run", "build")))).isEmpty();
    }

    @Test
    void anAmendmentWiderThanThePrefixIsNeverSentThroughApprovalDecisions() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .commandRules(CommandRules.acceptPrefixes(List.of(List.of("npm", "test"))).withProposedAmendment())
                .build();
        IncomingRequest request = context.fixtureRequest(FIXTURE, METHOD);
        ((ObjectNode) request.params()).put("command", "/bin/bash -lc 'npm test'")
                .set("proposedExecpolicyAmendment", context.mapper().valueToTree(List.of("npm")));
        assertThat(context.resultJson(approvals.handle(request, context).block(Duration.ofSeconds(10))))
                .isEqualTo("{\"decision\":\"accept\"}");
    }

    // --- firstMatch ------------------------------------------------------------------------------------------

    @Test
    void firstMatchTakesTheFirstRuleThatDecides() {
        CommandRule noPush = CommandRules.declinePrefixes(List.of(List.of("git", "push")));
        CommandRule anyGit = CommandRules.acceptPrefixes(List.of(List.of("git")));

        var declineFirst = ApprovalRule.firstMatch(List.of(noPush, anyGit));
        assertThat(declineFirst.decide(command("git push"), context)).contains(DECLINE);
        assertThat(declineFirst.decide(command("git status"), context)).contains(ACCEPT);
        assertThat(declineFirst.decide(command("ls"), context)).isEmpty();

        var acceptFirst = ApprovalRule.firstMatch(List.of(anyGit, noPush));
        assertThat(acceptFirst.decide(command("git push"), context)).contains(ACCEPT);
    }

    @Test
    void firstMatchDoesNotAskLaterRulesOnceOneDecided() {
        int[] asked = {0};
        CommandRule counting = (p, c) -> {
            asked[0]++;
            return Optional.of(ACCEPT);
        };
        var rules = ApprovalRule.firstMatch(List.of(always(DECLINE), counting));
        assertThat(rules.decide(command("ls"), context)).contains(DECLINE);
        assertThat(asked[0]).isZero();
    }

    @Test
    void firstMatchRejectsARuleReturningNull() {
        CommandRule broken = (p, c) -> null;
        var rules = ApprovalRule.firstMatch(List.of(broken, always(ACCEPT)));
        assertThatThrownBy(() -> rules.decide(command("ls"), context))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("a rule returned null");
    }

    @Test
    void builderRulesKeepTheirOrder() {
        IncomingRequest push = context.fixtureRequest(FIXTURE, METHOD);
        ((ObjectNode) push.params()).put("command", "/bin/bash -lc 'git push'")
                .putArray("commandActions").add(unknown("git push"));
        ApprovalDecisions declineFirst = ApprovalDecisions.builder()
                .commandRules(CommandRules.declinePrefixes(List.of(List.of("git", "push"))),
                        CommandRules.acceptPrefixes(List.of(List.of("git"))))
                .build();
        ApprovalDecisions acceptFirst = ApprovalDecisions.builder()
                .commandRules(CommandRules.acceptPrefixes(List.of(List.of("git"))))
                .commandRules(CommandRules.declinePrefixes(List.of(List.of("git", "push"))))
                .build();
        Duration wait = Duration.ofSeconds(10);
        assertThat(context.resultJson(declineFirst.handle(push, context).block(wait)))
                .isEqualTo("{\"decision\":\"decline\"}");
        assertThat(context.resultJson(acceptFirst.handle(push, context).block(wait)))
                .isEqualTo("{\"decision\":\"accept\"}");
        assertThat(context.events()).extracting(ApprovalEvent::decidedBy)
                .containsExactly(DecidedBy.POLICY, DecidedBy.POLICY);
    }
}
