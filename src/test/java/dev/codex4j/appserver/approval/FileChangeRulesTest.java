package dev.codex4j.appserver.approval;

import static dev.codex4j.appserver.protocol.types.FileChangeApprovalDecision.ACCEPT;
import static dev.codex4j.appserver.protocol.types.FileChangeApprovalDecision.DECLINE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codex4j.appserver.approval.ApprovalEvent.DecidedBy;
import dev.codex4j.appserver.approval.FileChangeRules.FileChangeRule;
import dev.codex4j.appserver.protocol.ServerRequests;
import dev.codex4j.appserver.protocol.types.FileChangeApprovalDecision;
import dev.codex4j.appserver.protocol.types.FileChangeRequestApprovalParams;
import dev.codex4j.appserver.protocol.types.FileUpdateChange;
import dev.codex4j.appserver.protocol.types.PatchChangeKind;
import dev.codex4j.appserver.rpc.IncomingRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class FileChangeRulesTest {

    private static final String FIXTURE = "file-change-approval-accept.jsonl";
    private static final String METHOD = ServerRequests.ITEM_FILE_CHANGE_REQUEST_APPROVAL.name();
    /** The workspace of the recorded run; the real item adds {@code hello.txt} in it. */
    private static final String RECORDED_ws = "/tmp/codex4j-real-codex-348418671436771772/workspace";

    @TempDir
    static Path temp;

    /** Stands in for the recorded workspace, which must exist: rules resolve paths on the file system. */
    private final Path ws;
    private final TestApprovalContext empty = new TestApprovalContext();
    private final TestApprovalContext withItem = new TestApprovalContext();

    FileChangeRulesTest() throws IOException {
        ws = Files.createDirectories(temp.resolve("workspace"));
        withItem.withStartedItem(startedItem());
    }

    /** The recorded started item, its paths moved into {@link #ws}. */
    private JsonNode startedItem() {
        try {
            String json = withItem.fixtureStartedItem(FIXTURE, "fileChange").toString();
            return withItem.mapper().readTree(json.replace(RECORDED_ws, ws.toString()));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private ObjectNode realParams() {
        return withItem.fixtureRequest(FIXTURE, METHOD).params().deepCopy();
    }

    private FileChangeRequestApprovalParams decode(ObjectNode params) {
        try {
            return withItem.mapper().treeToValue(params, FileChangeRequestApprovalParams.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private FileChangeRequestApprovalParams real() {
        return decode(realParams());
    }

    /** A context whose started item (id of the real request) changes these paths. */
    private TestApprovalContext itemChanging(String... paths) {
        ObjectNode item = startedItem().deepCopy();
        var changes = item.putArray("changes");
        for (String path : paths) {
            changes.addObject().put("path", path).put("diff", "x\n").putObject("kind").put("type", "add");
        }
        return new TestApprovalContext().withStartedItem(item);
    }

    private static Optional<FileChangeApprovalDecision> decide(FileChangeRule rule,
            FileChangeRequestApprovalParams params, ApprovalContext context) {
        return rule.decide(params, context);
    }

    @Test
    void changesAreTheFilesOfTheStartedItem() {
        assertThat(FileChangeRules.changes(real(), withItem)).hasValueSatisfying(changes ->
                assertThat(changes).singleElement().satisfies(change -> {
                    assertThat(change.path()).isEqualTo(ws.resolve("hello.txt").toString());
                    assertThat(change.kind()).isInstanceOf(PatchChangeKind.Add.class);
                    assertThat(change.diff()).isEqualTo("hello\nworld\n");
                }));
        assertThat(FileChangeRules.changes(real(), empty)).isEmpty();
    }

    @Test
    void changesIgnoresAStartedItemOfAnotherType() {
        ObjectNode command = withItem.mapper().createObjectNode()
                .put("type", "commandExecution").put("id", "call-patch-1").put("command", "ls")
                .put("cwd", ws.toString()).put("status", "inProgress");
        command.putArray("commandActions");
        TestApprovalContext context = new TestApprovalContext().withStartedItem(command);
        assertThat(context.startedItem("call-patch-1")).isPresent();
        assertThat(FileChangeRules.changes(real(), context)).isEmpty();
        assertThat(decide(FileChangeRules.declineOutside(ws), real(), context)).contains(DECLINE);
    }

    @Test
    void acceptInsideAcceptsPathsUnderTheRoot() {
        assertThat(decide(FileChangeRules.acceptInside(ws), real(), withItem)).contains(ACCEPT);
        assertThat(decide(FileChangeRules.acceptInside(ws.getParent()), real(), withItem)).contains(ACCEPT);
        assertThat(decide(FileChangeRules.acceptInside(ws),
                real(), itemChanging(ws + "/a.txt", ws + "/src/b/c.txt"))).contains(ACCEPT);
    }

    @Test
    void acceptInsideAbstainsWhenAPathIsOutside() {
        assertThat(decide(FileChangeRules.acceptInside(ws.resolve("sub")), real(), withItem)).isEmpty();
        assertThat(decide(FileChangeRules.acceptInside(ws),
                real(), itemChanging(ws + "/a.txt", "/etc/passwd"))).isEmpty();
        assertThat(decide(FileChangeRules.acceptInside(Path.of(ws + "-other")), real(), withItem)).isEmpty();
    }

    @Test
    void acceptInsideAbstainsWhenTheItemIsUnknown() {
        assertThat(decide(FileChangeRules.acceptInside(ws), real(), empty)).isEmpty();
    }

    @Test
    void declineOutsideDeclinesAPathOutsideTheRoot() {
        assertThat(decide(FileChangeRules.declineOutside(ws.resolve("sub")), real(), withItem))
                .contains(DECLINE);
        assertThat(decide(FileChangeRules.declineOutside(ws),
                real(), itemChanging(ws + "/a.txt", "/etc/passwd"))).contains(DECLINE);
    }

    @Test
    void declineOutsideDeclinesAPathEscapingWithDotDot() {
        assertThat(decide(FileChangeRules.declineOutside(ws),
                real(), itemChanging(ws + "/../../../etc/passwd"))).contains(DECLINE);
        assertThat(decide(FileChangeRules.declineOutside(ws),
                real(), itemChanging("../outside.txt"))).contains(DECLINE);
        // .. after a directory that does not exist is not resolved as text: refused
        assertThat(decide(FileChangeRules.declineOutside(ws),
                real(), itemChanging(ws + "/sub/../inside.txt"))).contains(DECLINE);
        assertThat(ws.resolve("existing").toFile().mkdir()).isTrue();
        assertThat(decide(FileChangeRules.declineOutside(ws),
                real(), itemChanging(ws + "/existing/../inside.txt"))).isEmpty();
    }

    @Test
    void declineOutsideDeclinesAGrantRootOutside() {
        ObjectNode params = realParams().put("grantRoot", "/etc");
        assertThat(decide(FileChangeRules.declineOutside(ws), decode(params), withItem)).contains(DECLINE);
        assertThat(decide(FileChangeRules.acceptInside(ws), decode(params), withItem)).isEmpty();

        ObjectNode inside = realParams().put("grantRoot", ws.resolve("src").toString());
        assertThat(decide(FileChangeRules.declineOutside(ws), decode(inside), withItem)).isEmpty();
        // a writable root is a grant for the rest of the session: left to the handler
        assertThat(decide(FileChangeRules.acceptInside(ws), decode(inside), withItem)).isEmpty();
    }

    @Test
    void declineOutsideDeclinesWhatItCannotSee() {
        assertThat(decide(FileChangeRules.declineOutside(ws), real(), empty)).contains(DECLINE);
        assertThat(decide(FileChangeRules.declineOutside(ws), real(), itemChanging())).contains(DECLINE);
    }

    @Test
    void declineOutsideAbstainsWhenEverythingIsInside() {
        assertThat(decide(FileChangeRules.declineOutside(ws), real(), withItem)).isEmpty();
        assertThat(decide(FileChangeRules.declineOutside(ws),
                real(), itemChanging(ws + "/a.txt", ws + "/b/c.txt"))).isEmpty();
    }

    @Test
    void theRealRequestIsAcceptedThroughApprovalDecisionsByPolicy() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .fileChangeRules(FileChangeRules.declineOutside(ws), FileChangeRules.acceptInside(ws))
                .build();
        IncomingRequest request = withItem.fixtureRequest(FIXTURE, METHOD);
        assertThat(withItem.resultJson(approvals.handle(request, withItem).block(Duration.ofSeconds(10))))
                .isEqualTo("{\"decision\":\"accept\"}");
        assertThat(withItem.events()).singleElement().satisfies(event -> {
            assertThat(event.decidedBy()).isEqualTo(DecidedBy.POLICY);
            assertThat(event.itemId()).isEqualTo("call-patch-1");
        });

        assertThat(empty.resultJson(approvals.handle(request, empty).block(Duration.ofSeconds(10))))
                .isEqualTo("{\"decision\":\"decline\"}");
        assertThat(empty.events()).singleElement().extracting(ApprovalEvent::decidedBy).isEqualTo(DecidedBy.POLICY);
    }

    @Test
    void aChangeWithoutPathIsNotAccepted() {
        TestApprovalContext context = new TestApprovalContext();
        ObjectNode item = startedItem().deepCopy();
        ((ObjectNode) item.get("changes").get(0)).remove("path");
        context.withStartedItem(item);
        assertThat(FileChangeRules.changes(real(), context)).hasValueSatisfying(changes ->
                assertThat(changes).extracting(FileUpdateChange::path).containsExactly((String) null));
        assertThat(decide(FileChangeRules.acceptInside(ws), real(), context)).isEmpty();
        assertThat(decide(FileChangeRules.declineOutside(ws), real(), context)).contains(DECLINE);
    }

    // --- paths as the file system resolves them ---------------------------------------------------------------

    /** A context whose started item changes {@code path} with a change of this {@code kind} JSON. */
    private TestApprovalContext itemChanging(String path, ObjectNode kind) {
        ObjectNode item = startedItem().deepCopy();
        item.putArray("changes").addObject().put("path", path).put("diff", "x\n").set("kind", kind);
        return new TestApprovalContext().withStartedItem(item);
    }

    private Optional<FileChangeApprovalDecision> declineOutside(Path root, TestApprovalContext context) {
        return decide(FileChangeRules.declineOutside(root), real(), context);
    }

    private Optional<FileChangeApprovalDecision> acceptInside(Path root, TestApprovalContext context) {
        return decide(FileChangeRules.acceptInside(root), real(), context);
    }

    @Test
    void aLinkInsideTheWorkspacePointingOutsideCountsAsOutside(@TempDir Path tmp) throws IOException {
        Path workspace = Files.createDirectories(tmp.resolve("workspace"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "s");
        Files.createSymbolicLink(workspace.resolve("escape"), outside);
        Files.createSymbolicLink(workspace.resolve("secret-link.txt"), outside.resolve("secret.txt"));

        for (Path path : List.of(workspace.resolve("escape/new.txt"), workspace.resolve("escape/secret.txt"),
                workspace.resolve("escape/a/b/new.txt"), workspace.resolve("secret-link.txt"))) {
            assertThat(path.normalize().startsWith(workspace)).as("lexically inside: %s", path).isTrue();
            assertThat(declineOutside(workspace, itemChanging(path.toString()))).as(path.toString()).contains(DECLINE);
            assertThat(acceptInside(workspace, itemChanging(path.toString()))).as(path.toString()).isEmpty();
        }
        ObjectNode params = realParams().put("grantRoot", workspace.resolve("escape").toString());
        assertThat(decide(FileChangeRules.declineOutside(workspace), decode(params), withItem)).contains(DECLINE);
    }

    @Test
    void aDanglingOrLoopingLinkCountsAsOutside(@TempDir Path tmp) throws IOException {
        Path workspace = Files.createDirectories(tmp.resolve("workspace"));
        // writing through a dangling link creates its target, wherever that is
        Files.createSymbolicLink(workspace.resolve("dangling.txt"), tmp.resolve("outside/new.txt"));
        Files.createSymbolicLink(workspace.resolve("dangling-dir"), tmp.resolve("nowhere"));
        Files.createSymbolicLink(workspace.resolve("loop"), workspace.resolve("loop"));

        for (String name : List.of("dangling.txt", "dangling-dir/new.txt", "loop", "loop/new.txt")) {
            String path = workspace.resolve(name).toString();
            assertThat(declineOutside(workspace, itemChanging(path))).as(name).contains(DECLINE);
            assertThat(acceptInside(workspace, itemChanging(path))).as(name).isEmpty();
        }
    }

    @Test
    void dotDotAfterALinkClimbsFromWhereTheLinkLeads(@TempDir Path tmp) throws IOException {
        Path workspace = Files.createDirectories(tmp.resolve("workspace"));
        Path deep = Files.createDirectories(tmp.resolve("outside/deep"));
        Files.createSymbolicLink(workspace.resolve("link"), deep);
        // lexically workspace/x.txt; the file system goes to outside/x.txt
        String path = workspace + "/link/../x.txt";
        assertThat(Path.of(path).normalize()).isEqualTo(workspace.resolve("x.txt"));
        assertThat(declineOutside(workspace, itemChanging(path))).contains(DECLINE);
        assertThat(acceptInside(workspace, itemChanging(path))).isEmpty();
        // .. through directories that do not exist yet is never resolved as text
        assertThat(acceptInside(workspace, itemChanging(workspace + "/new/../y.txt"))).isEmpty();
        assertThat(declineOutside(workspace, itemChanging(workspace + "/new/../y.txt"))).contains(DECLINE);
        assertThat(declineOutside(workspace, itemChanging(workspace + "/new/../../y.txt"))).contains(DECLINE);
    }

    @Test
    void linksThatStayInsideAndARootReachedThroughALinkAreInside(@TempDir Path tmp) throws IOException {
        Path workspace = Files.createDirectories(tmp.resolve("workspace"));
        Files.createDirectories(workspace.resolve("src"));
        Files.writeString(workspace.resolve("src/a.txt"), "a");
        Files.createSymbolicLink(workspace.resolve("alias"), workspace.resolve("src"));
        Path rootLink = Files.createSymbolicLink(tmp.resolve("ws-link"), workspace);

        for (String path : List.of(workspace + "/alias/a.txt", workspace + "/alias/new/b.txt",
                workspace + "/src/a.txt", workspace + "/not/yet/there.txt", rootLink + "/src/a.txt")) {
            assertThat(acceptInside(workspace, itemChanging(path))).as(path).contains(ACCEPT);
            assertThat(acceptInside(rootLink, itemChanging(path))).as(path).contains(ACCEPT);
            assertThat(declineOutside(rootLink, itemChanging(path))).as(path).isEmpty();
        }
        assertThat(acceptInside(rootLink, itemChanging(tmp.resolve("other.txt").toString()))).isEmpty();
    }

    @Test
    void theTargetOfAMoveMustBeInsideToo(@TempDir Path tmp) throws IOException {
        Path workspace = Files.createDirectories(tmp.resolve("workspace"));
        String from = workspace.resolve("a.txt").toString();
        ObjectNode moveOut = withItem.mapper().createObjectNode().put("type", "update")
                .put("move_path", tmp.resolve("outside.txt").toString());
        ObjectNode moveIn = withItem.mapper().createObjectNode().put("type", "update")
                .put("move_path", workspace.resolve("b.txt").toString());
        ObjectNode edit = withItem.mapper().createObjectNode().put("type", "update");
        ObjectNode unknown = withItem.mapper().createObjectNode().put("type", "copy").put("to", "/etc/x");

        assertThat(declineOutside(workspace, itemChanging(from, moveOut))).contains(DECLINE);
        assertThat(acceptInside(workspace, itemChanging(from, moveOut))).isEmpty();
        assertThat(acceptInside(workspace, itemChanging(from, moveIn))).contains(ACCEPT);
        assertThat(acceptInside(workspace, itemChanging(from, edit))).contains(ACCEPT);
        // a kind this version does not know may write where the rule cannot see
        assertThat(declineOutside(workspace, itemChanging(from, unknown))).contains(DECLINE);
        assertThat(acceptInside(workspace, itemChanging(from, unknown))).isEmpty();
    }
}
