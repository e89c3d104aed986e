package dev.backlogsentinel.agent.attribution;

import dev.backlogsentinel.agent.attribution.ProcessAttribution.Kind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CgroupAttributorTest {

    static final String UID = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
    static final String UID_ = UID.replace('-', '_');
    static final String CID = "4f1c2b0e9a8d7c6b5a493827161504f3e2d1c0b9a8f7e6d5c4b3a29180716253";

    @Test
    void cgroupV1CgroupfsDriver() {
        ProcessAttribution a = CgroupAttributor.attribute("""
                12:pids:/kubepods/burstable/pod%s/%s
                4:memory:/kubepods/burstable/pod%s/%s
                0::/
                """.formatted(UID, CID, UID, CID));
        assertThat(a.kind()).isEqualTo(Kind.POD);
        assertThat(a.podUid()).isEqualTo(UID);
        assertThat(a.containerId()).isEqualTo(CID);
        assertThat(a.runtime()).isNull();
    }

    /**
     * /proc/&lt;pid&gt;/cgroup of a container the real test node's kubelet started (bin/test-node: the
     * cgroupfs driver under a cgroupRoot of its own, every v1 hierarchy and the hybrid unified line),
     * copied as the kernel printed it.
     */
    @Test
    void aRealKubeletsContainerUnderACgroupRootOfItsOwn() throws Exception {
        String file;
        try (var in = getClass().getResourceAsStream("/cgroup/kubelet-cgroupfs-own-root-v1-hybrid.txt")) {
            file = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        }
        ProcessAttribution a = CgroupAttributor.attribute(file);
        assertThat(a.kind()).isEqualTo(Kind.POD);
        assertThat(a.podUid()).isEqualTo("8c874930-21b1-4f9c-aa61-2334e4cacb7b");
        assertThat(a.containerId()).isEqualTo("8f00f37b4e0560cf449b1481dc41f12cc578794534a7d70fb931c07efb6d024e");
        assertThat(file.lines()).hasSize(10).allMatch(l -> l.contains(":/backlog-sentinel-node/kubepods/burstable/pod"));
    }

    @Test
    void guaranteedPodHasNoQosLevel() {
        ProcessAttribution a = CgroupAttributor.attribute("4:memory:/kubepods/pod%s/%s\n".formatted(UID, CID));
        assertThat(a.podUid()).isEqualTo(UID);
    }

    @Test
    void cgroupV1SystemdDriverContainerd() {
        ProcessAttribution a = CgroupAttributor.attribute(
                "1:name=systemd:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%s.slice/cri-containerd-%s.scope\n"
                        .formatted(UID_, CID));
        assertThat(a.kind()).isEqualTo(Kind.POD);
        assertThat(a.podUid()).as("underscores back to dashes").isEqualTo(UID);
        assertThat(a.containerId()).isEqualTo(CID);
        assertThat(a.runtime()).isEqualTo("containerd");
    }

    @Test
    void cgroupV2SystemdCrio() {
        ProcessAttribution a = CgroupAttributor.attribute(
                "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod%s.slice/crio-%s.scope\n".formatted(UID_, CID));
        assertThat(a.podUid()).isEqualTo(UID);
        assertThat(a.runtime()).isEqualTo("cri-o");
    }

    @Test
    void cgroupV2CgroupfsDriver() {
        ProcessAttribution a = CgroupAttributor.attribute("0::/kubepods/besteffort/pod%s/%s\n".formatted(UID, CID));
        assertThat(a.podUid()).isEqualTo(UID);
        assertThat(a.containerId()).isEqualTo(CID);
    }

    @Test
    void dockerShimSystemd() {
        ProcessAttribution a = CgroupAttributor.attribute(
                "0::/kubepods.slice/kubepods-pod%s.slice/docker-%s.scope\n".formatted(UID_, CID));
        assertThat(a.podUid()).isEqualTo(UID);
        assertThat(a.runtime()).isEqualTo("docker");
    }

    @Test
    void containerdColonFormUnderContainerdService() {
        ProcessAttribution a = CgroupAttributor.attribute(
                "0::/system.slice/containerd.service/kubepods-burstable-pod%s.slice:cri-containerd:%s\n".formatted(UID_, CID));
        assertThat(a.kind()).isEqualTo(Kind.POD);
        assertThat(a.podUid()).isEqualTo(UID);
        assertThat(a.containerId()).isEqualTo(CID);
        assertThat(a.runtime()).isEqualTo("containerd");
    }

    @Test
    void nestedNodeAsKindShowsIt() {
        ProcessAttribution a = CgroupAttributor.attribute(
                "0::/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod%s.slice/cri-containerd-%s.scope\n"
                        .formatted(UID_, CID));
        assertThat(a.podUid()).isEqualTo(UID);
    }

    @Test
    void pathRelativeToTheAgentsCgroupNamespace() {
        ProcessAttribution a = CgroupAttributor.attribute(
                "0::/../../kubepods-besteffort-pod%s.slice/cri-containerd-%s.scope\n".formatted(UID_, CID));
        assertThat(a.podUid()).isEqualTo(UID);
    }

    @Test
    void staticPodUidIsTheConfigHash() {
        String hash = "6d4a8b1b1e0f3c1e0a9b3c6c1f1e2d3a";
        ProcessAttribution a = CgroupAttributor.attribute("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%s.slice/cri-containerd-%s.scope\n"
                .formatted(hash, CID));
        assertThat(a.podUid()).isEqualTo(hash);
    }

    @Test
    void aUidIsBelievedOnlyInTheKubeletsForm() {
        String bare = UID.replace("-", "");
        // cgroupfs: a 32-hex id may be a UID that lost its dashes (or a static pod's hash): not guessed.
        CgroupAttributor.Parsed noDashes = CgroupAttributor.parse("0::/kubepods/burstable/pod%s/%s\n".formatted(bare, CID));
        assertThat(noDashes.attribution().kind()).isEqualTo(Kind.UNRECOGNISED);
        assertThat(noDashes.attribution().podUid()).isNull();
        // Mixed separators, upper case, a digit short: refused and counted.
        for (String uid : new String[] {UID.replaceFirst("-", "_"), UID.toUpperCase(), UID.substring(1)}) {
            CgroupAttributor.Parsed p = CgroupAttributor.parse("0::/kubepods/burstable/pod%s/%s\n".formatted(uid, CID));
            assertThat(p.attribution().kind()).as(uid).isEqualTo(Kind.UNRECOGNISED);
            assertThat(p.malformed()).as(uid).isEqualTo(1);
        }
        CgroupAttributor.Parsed dashesInASlice = CgroupAttributor.parse(
                "0::/kubepods.slice/kubepods-pod%s.slice/cri-containerd-%s.scope\n".formatted(UID, CID));
        assertThat(dashesInASlice.attribution().kind()).as("systemd escapes '-': a slice never shows one").isEqualTo(Kind.UNRECOGNISED);
        CgroupAttributor.Parsed shortId = CgroupAttributor.parse("0::/kubepods/pod%s/%s\n".formatted(UID, CID.substring(1)));
        assertThat(shortId.attribution().kind()).isEqualTo(Kind.UNRECOGNISED);
        assertThat(shortId.malformed()).isEqualTo(1);
    }

    @Test
    void linesAreStrictlyIdControllersPath() {
        String good = "4:memory:/kubepods/pod%s/%s".formatted(UID, CID);
        for (String bad : new String[] {"-4:memory:/x", "04:memory:/x", "4:/x", "4:memory:extra:/x", "4:Memory!:/x", "0:memory:/x",
                "4::/x", "4:memory:/x\r", "4:memory:relative"}) {
            CgroupAttributor.Parsed p = CgroupAttributor.parse(bad + "\n" + good + "\n");
            assertThat(p.malformed()).as(bad).isEqualTo(1);
            assertThat(p.attribution().podUid()).as(bad).isEqualTo(UID);
        }
        assertThat(CgroupAttributor.parse("").malformed()).as("empty: not what the kernel prints").isEqualTo(1);
        CgroupAttributor.Parsed cut = CgroupAttributor.parse("0::/kubepods/pod%s/%s".formatted(UID, CID));
        assertThat(cut.attribution().kind()).as("a last line without its newline was cut").isEqualTo(Kind.NOT_A_POD);
        assertThat(cut.malformed()).isEqualTo(1);
        CgroupAttributor.Parsed twice = CgroupAttributor.parse(good + "\n" + good.replace(UID, UID.replace('1', '2')) + "\n");
        assertThat(twice.attribution().podUid()).as("hierarchy 4 twice: neither copy believed").isNull();
        assertThat(twice.malformed()).isEqualTo(2);
        CgroupAttributor.Parsed twoPods = CgroupAttributor.parse(good + "\n" + good.replace("4:memory", "5:pids").replace(UID,
                UID.replace('1', '2')) + "\n");
        assertThat(twoPods.attribution().kind()).isEqualTo(Kind.UNRECOGNISED);
        assertThat(twoPods.firstProblem()).contains("different pods");
        CgroupAttributor.Parsed deleted = CgroupAttributor.parse("0::/kubepods/pod%s/%s (deleted)\n".formatted(UID, CID));
        assertThat(deleted.malformed()).isZero();
        assertThat(deleted.attribution().containerId()).isEqualTo(CID);
    }

    @Test
    void everyProcessOfThisMachineParsesWithoutAProblem() throws Exception {
        try (var pids = java.nio.file.Files.list(java.nio.file.Path.of("/proc"))) {
            for (java.nio.file.Path dir : pids.filter(p -> p.getFileName().toString().matches("[0-9]+")).toList()) {
                String text;
                try {
                    text = java.nio.file.Files.readString(dir.resolve("cgroup"));
                } catch (java.io.IOException e) {
                    continue;
                }
                CgroupAttributor.Parsed p = CgroupAttributor.parse(text);
                assertThat(p.malformed()).as(dir + ": " + p.firstProblem()).isZero();
            }
        }
    }

    @Test
    void crioConmonIsARuntimeHelperNotAPodProcess() {
        ProcessAttribution a = CgroupAttributor.attribute(
                "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%s.slice/crio-conmon-%s.scope\n".formatted(UID_, CID));
        assertThat(a.kind()).isEqualTo(Kind.RUNTIME_HELPER);
    }

    @Test
    void hostProcessesAreNotPods() {
        assertThat(CgroupAttributor.attribute("0::/system.slice/kubelet.service\n").kind()).isEqualTo(Kind.NOT_A_POD);
        assertThat(CgroupAttributor.attribute("4:memory:/process_api/91842528\n0::/\n").kind()).isEqualTo(Kind.NOT_A_POD);
        assertThat(CgroupAttributor.attribute("").kind()).isEqualTo(Kind.NOT_A_POD);
    }

    @Test
    void unknownKubepodsLayoutIsReportedNotGuessed() {
        ProcessAttribution a = CgroupAttributor.attribute("0::/kubepods/some-new-layout/abc\n");
        assertThat(a.kind()).isEqualTo(Kind.UNRECOGNISED);
        assertThat(a.podUid()).isNull();
        assertThat(a.cgroupPath()).isEqualTo("/kubepods/some-new-layout/abc");
    }

    @Test
    void garbageLinesAreIgnored() {
        ProcessAttribution a = CgroupAttributor.attribute("garbage\n::\n\u0000\n4:memory:/kubepods/pod%s/%s\n".formatted(UID, CID));
        assertThat(a.podUid()).isEqualTo(UID);
    }

    @Test
    void namespaceOfOnePodIsThatPods() {
        ProcessAttribution pause = CgroupAttributor.attribute("0::/kubepods/pod%s/%s\n".formatted(UID, CID));
        ProcessAttribution app = CgroupAttributor.attribute("0::/kubepods/pod%s/%s\n".formatted(UID, CID.replace('4', '5')));
        NetnsAttribution ns = NetnsAttribution.of(false, List.of(pause, app));
        assertThat(ns.kind()).isEqualTo(NetnsAttribution.Kind.POD);
        assertThat(ns.podUid()).isEqualTo(UID);
        assertThat(ns.containerIds()).hasSize(2);
    }

    @Test
    void namespaceWithTwoPodsIsSharedAndNotAttributed() {
        ProcessAttribution a = CgroupAttributor.attribute("0::/kubepods/pod%s/%s\n".formatted(UID, CID));
        ProcessAttribution b = CgroupAttributor.attribute("0::/kubepods/pod%s/%s\n".formatted(UID.replace('1', '2'), CID));
        NetnsAttribution ns = NetnsAttribution.of(false, List.of(a, b));
        assertThat(ns.kind()).isEqualTo(NetnsAttribution.Kind.SHARED);
        assertThat(ns.podUid()).isNull();
    }

    @Test
    void hostNamespaceIsNeverOnePodsEvenWithConmonOrHostNetworkPods() {
        ProcessAttribution conmon = CgroupAttributor.attribute(
                "0::/kubepods.slice/kubepods-pod%s.slice/crio-conmon-%s.scope\n".formatted(UID_, CID));
        ProcessAttribution hostNetworkPod = CgroupAttributor.attribute("0::/kubepods/pod%s/%s\n".formatted(UID, CID));
        assertThat(NetnsAttribution.of(true, List.of(conmon, hostNetworkPod)).kind()).isEqualTo(NetnsAttribution.Kind.HOST);
        assertThat(NetnsAttribution.of(false, List.of(conmon)).kind()).isEqualTo(NetnsAttribution.Kind.NONE);
    }

    @Test
    void namespaceWithOnlyUnknownLayoutsIsUnrecognised() {
        ProcessAttribution odd = CgroupAttributor.attribute("0::/kubepods/odd/thing\n");
        NetnsAttribution ns = NetnsAttribution.of(false, List.of(odd, ProcessAttribution.notAPod("/")));
        assertThat(ns.kind()).isEqualTo(NetnsAttribution.Kind.UNRECOGNISED);
        assertThat(ns.detail()).isEqualTo("/kubepods/odd/thing");
    }
}
