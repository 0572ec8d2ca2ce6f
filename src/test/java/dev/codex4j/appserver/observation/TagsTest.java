package dev.codex4j.appserver.observation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Tag values are bounded: whatever a server or a handler sends, a value outside the protocol's set is "other". */
@Timeout(10)
class TagsTest {

    @Test
    void methodsOfTheProtocolAreKeptAndAnyOtherIsOther() {
        assertThat(Tags.method("turn/start")).isEqualTo("turn/start");
        assertThat(Tags.method("item/agentMessage/delta")).isEqualTo("item/agentMessage/delta");
        assertThat(Tags.method("item/commandExecution/requestApproval")).isEqualTo("item/commandExecution/requestApproval");
        assertThat(Tags.method("initialize")).isEqualTo("initialize");
        assertThat(Tags.method("x/rm -rf ~/secret")).isEqualTo("other");
        assertThat(Tags.method(null)).isEqualTo("other");
    }

    @Test
    void decisionsAreWireValuesAndRepliesAsJsonAreOther() {
        assertThat(Tags.decision("acceptForSession")).isEqualTo("acceptForSession");
        assertThat(Tags.decision("approved_for_session")).isEqualTo("approved_for_session");
        assertThat(Tags.decision("{\"answers\":{\"q\":\"my password is hunter2\"}}")).isEqualTo("other");
        assertThat(Tags.decision(null)).isEqualTo("other");
        assertThat(Tags.decidedBy("policy")).isEqualTo("policy");
        assertThat(Tags.decidedBy("someone")).isEqualTo("other");
    }

    @Test
    void approvalKindsComeFromTheMethod() {
        assertThat(Tags.kind("execCommandApproval")).isEqualTo("command");
        assertThat(Tags.kind("item/fileChange/requestApproval")).isEqualTo("file_change");
        assertThat(Tags.isApproval("item/permissions/requestApproval")).isTrue();
        assertThat(Tags.isApproval("item/tool/call")).isFalse();
        assertThat(Tags.kind("currentTime/read")).isEqualTo("other");
    }
}
