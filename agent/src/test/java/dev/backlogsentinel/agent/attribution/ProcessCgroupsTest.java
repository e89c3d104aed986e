package dev.backlogsentinel.agent.attribution;

import dev.backlogsentinel.agent.kernel.ScanErrors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Each process's cgroup is read once, names its pod, and the cache keeps only live processes. */
class ProcessCgroupsTest {

    static final String UID = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
    static final String CID = "4f1c2b0e9a8d7c6b5a493827161504f3e2d1c0b9a8f7e6d5c4b3a29180716253";

    @TempDir
    Path root;

    private void cgroup(int pid, String line) throws Exception {
        Files.createDirectories(root.resolve(Integer.toString(pid)));
        Files.writeString(root.resolve(pid + "/cgroup"), line + "\n");
    }

    @Test
    void aPodsProcessesAttributeTheNamespaceAndAreReadOnce() throws Exception {
        cgroup(100, "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID.replace('-', '_')
                + ".slice/cri-containerd-" + CID + ".scope");
        cgroup(101, "0::/system.slice/containerd.service");
        ProcessCgroups cgroups = new ProcessCgroups(root, 1 << 20);
        ScanErrors errors = new ScanErrors();
        NetnsAttribution a = cgroups.attribute(false, List.of(100), errors, Set::of);
        assertThat(a.kind()).isEqualTo(NetnsAttribution.Kind.POD);
        assertThat(a.podUid()).isEqualTo(UID);
        assertThat(cgroups.podOf(100)).isEqualTo(UID);
        assertThat(cgroups.podOf(101)).as("not read yet").isNull();

        Files.writeString(root.resolve("100/cgroup"), "0::/system.slice/other.service\n");
        assertThat(cgroups.attribute(false, List.of(100, 101), errors, Set::of).podUid()).as("a process does not change pods: read once")
                .isEqualTo(UID);
        assertThat(cgroups.of(101).kind()).isEqualTo(ProcessAttribution.Kind.NOT_A_POD);
        assertThat(cgroups.podOf(101)).isNull();
        assertThat(errors.total()).isZero();
    }

    @Test
    void theAgentsOwnNamespaceIsTheHostWhateverItsCgroups() throws Exception {
        cgroup(1, "0::/init.scope");
        assertThat(new ProcessCgroups(root, 1 << 20).attribute(true, List.of(1), new ScanErrors(), Set::of).kind())
                .isEqualTo(NetnsAttribution.Kind.HOST);
    }

    @Test
    void aProcessThatExitedIsCountedAndLeftOutAndAHugeFileIsNotBelieved() throws Exception {
        cgroup(300, "0::/kubepods/burstable/pod" + UID + "/" + CID + "x".repeat((int) CgroupAttributor.MAX_FILE_BYTES));
        ProcessCgroups cgroups = new ProcessCgroups(root, 1 << 20);
        ScanErrors errors = new ScanErrors();
        NetnsAttribution a = cgroups.attribute(false, List.of(200, 300), errors, Set::of);
        assertThat(a.kind()).isEqualTo(NetnsAttribution.Kind.NONE);
        assertThat(errors.count(ScanErrors.Kind.VANISHED)).isEqualTo(1);
        assertThat(errors.count(ScanErrors.Kind.OVERSIZED)).isEqualTo(1);
        assertThat(cgroups.of(200)).as("not cached: asked again next time").isNull();
    }

    @Test
    void theCacheKeepsOnlyProcessesStillInATrackedNamespace() throws Exception {
        List<Integer> many = IntStream.rangeClosed(1000, 1000 + ProcessCgroups.PRUNE_ABOVE).boxed().toList();
        for (int pid : many) {
            cgroup(pid, "0::/system.slice/x.service");
        }
        ProcessCgroups cgroups = new ProcessCgroups(root, 1 << 20);
        Set<Integer> live = many.stream().filter(p -> p % 2 == 0).collect(Collectors.toSet());
        cgroups.attribute(false, many, new ScanErrors(), () -> live);
        assertThat(cgroups.cached()).isEqualTo(live.size());
        assertThat(cgroups.of(1001)).isNull();
        assertThat(cgroups.of(1000)).isNotNull();
    }
}
