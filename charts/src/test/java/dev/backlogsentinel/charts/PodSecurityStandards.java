package dev.backlogsentinel.charts;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Pod Security Standards' checks of a pod (kubernetes.io/docs/concepts/security/pod-security-standards),
 * for a server without PodSecurity admission (before 1.23; the tests' is 1.20): each violation, named
 * as the admission names its check. Pods as the API server would admit them: with hostNetwork a
 * container port is also a host port (the server's defaulting).
 */
final class PodSecurityStandards {

    enum Level { BASELINE, RESTRICTED }

    /** Baseline's allowed added capabilities. */
    static final Set<String> BASELINE_CAPABILITIES = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",
            "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");
    static final Set<String> SAFE_SYSCTLS = Set.of("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
            "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range");
    static final Set<String> RESTRICTED_VOLUMES = Set.of("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
            "persistentVolumeClaim", "projected", "secret");

    private PodSecurityStandards() {
    }

    static List<String> violations(PodSpec pod, Map<String, String> annotations, Level level) {
        List<String> found = new ArrayList<>();
        List<Container> containers = new ArrayList<>(pod.getContainers());
        if (pod.getInitContainers() != null) {
            containers.addAll(pod.getInitContainers());
        }
        PodSecurityContext podContext = pod.getSecurityContext() == null ? new PodSecurityContext() : pod.getSecurityContext();
        // Baseline.
        if (Boolean.TRUE.equals(pod.getHostNetwork()) || Boolean.TRUE.equals(pod.getHostPID()) || Boolean.TRUE.equals(pod.getHostIPC())) {
            found.add("host namespaces (" + String.join(", ", hostNamespaces(pod)) + ")");
        }
        for (Container c : containers) {
            SecurityContext sc = c.getSecurityContext() == null ? new SecurityContext() : c.getSecurityContext();
            if (Boolean.TRUE.equals(sc.getPrivileged())) {
                found.add("privileged (" + c.getName() + ")");
            }
            List<String> added = sc.getCapabilities() == null || sc.getCapabilities().getAdd() == null ? List.of() : sc.getCapabilities().getAdd();
            List<String> beyond = added.stream().filter(a -> !BASELINE_CAPABILITIES.contains(a)).toList();
            if (!beyond.isEmpty()) {
                found.add("capabilities (" + c.getName() + ": " + String.join(", ", beyond) + ")");
            }
            for (ContainerPort p : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
                int hostPort = p.getHostPort() != null ? p.getHostPort() : Boolean.TRUE.equals(pod.getHostNetwork()) ? p.getContainerPort() : 0;
                if (hostPort != 0) {
                    found.add("host ports (" + c.getName() + ": " + hostPort + ")");
                }
            }
            if (sc.getProcMount() != null && !sc.getProcMount().equals("Default")) {
                found.add("procMount (" + c.getName() + ")");
            }
            if (sc.getSeLinuxOptions() != null && (sc.getSeLinuxOptions().getUser() != null || sc.getSeLinuxOptions().getRole() != null)) {
                found.add("seLinuxOptions (" + c.getName() + ")");
            }
            if (unconfined(sc.getSeccompProfile())) {
                found.add("seccompProfile (" + c.getName() + ": Unconfined)");
            }
        }
        if (unconfined(podContext.getSeccompProfile())) {
            found.add("seccompProfile (pod: Unconfined)");
        }
        for (Volume v : pod.getVolumes() == null ? List.<Volume>of() : pod.getVolumes()) {
            if (v.getHostPath() != null) {
                found.add("hostPath volumes (" + v.getName() + ")");
            }
        }
        if (podContext.getSysctls() != null) {
            podContext.getSysctls().stream().filter(s -> !SAFE_SYSCTLS.contains(s.getName()))
                    .forEach(s -> found.add("sysctls (" + s.getName() + ")"));
        }
        annotations.forEach((k, v) -> {
            if (k.startsWith("container.apparmor.security.beta.kubernetes.io/") && !v.equals("runtime/default") && !v.startsWith("localhost/")) {
                found.add("appArmorProfile (" + k + ")");
            }
        });
        if (level == Level.BASELINE) {
            return found;
        }
        // Restricted.
        for (Volume v : pod.getVolumes() == null ? List.<Volume>of() : pod.getVolumes()) {
            String type = volumeType(v);
            if (!RESTRICTED_VOLUMES.contains(type)) {
                found.add("restricted volume types (" + v.getName() + ": " + type + ")");
            }
        }
        for (Container c : containers) {
            SecurityContext sc = c.getSecurityContext() == null ? new SecurityContext() : c.getSecurityContext();
            if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
                found.add("allowPrivilegeEscalation != false (" + c.getName() + ")");
            }
            boolean nonRoot = sc.getRunAsNonRoot() != null ? sc.getRunAsNonRoot() : Boolean.TRUE.equals(podContext.getRunAsNonRoot());
            if (!nonRoot) {
                found.add("runAsNonRoot != true (" + c.getName() + ")");
            }
            Long uid = sc.getRunAsUser() != null ? sc.getRunAsUser() : podContext.getRunAsUser();
            if (uid != null && uid == 0) {
                found.add("runAsUser=0 (" + c.getName() + ")");
            }
            SeccompProfile seccomp = sc.getSeccompProfile() != null ? sc.getSeccompProfile() : podContext.getSeccompProfile();
            if (seccomp == null || !Set.of("RuntimeDefault", "Localhost").contains(seccomp.getType())) {
                found.add("seccompProfile (" + c.getName() + ": not RuntimeDefault or Localhost)");
            }
            boolean dropsAll = sc.getCapabilities() != null && sc.getCapabilities().getDrop() != null
                    && sc.getCapabilities().getDrop().contains("ALL");
            List<String> added = sc.getCapabilities() == null || sc.getCapabilities().getAdd() == null ? List.of() : sc.getCapabilities().getAdd();
            if (!dropsAll || added.stream().anyMatch(a -> !a.equals("NET_BIND_SERVICE"))) {
                found.add("unrestricted capabilities (" + c.getName() + ")");
            }
        }
        return found;
    }

    private static boolean unconfined(SeccompProfile profile) {
        return profile != null && "Unconfined".equals(profile.getType());
    }

    private static List<String> hostNamespaces(PodSpec pod) {
        List<String> names = new ArrayList<>();
        if (Boolean.TRUE.equals(pod.getHostNetwork())) {
            names.add("hostNetwork");
        }
        if (Boolean.TRUE.equals(pod.getHostPID())) {
            names.add("hostPID");
        }
        if (Boolean.TRUE.equals(pod.getHostIPC())) {
            names.add("hostIPC");
        }
        return names;
    }

    private static String volumeType(Volume v) {
        if (v.getConfigMap() != null) {
            return "configMap";
        }
        if (v.getCsi() != null) {
            return "csi";
        }
        if (v.getDownwardAPI() != null) {
            return "downwardAPI";
        }
        if (v.getEmptyDir() != null) {
            return "emptyDir";
        }
        if (v.getEphemeral() != null) {
            return "ephemeral";
        }
        if (v.getPersistentVolumeClaim() != null) {
            return "persistentVolumeClaim";
        }
        if (v.getProjected() != null) {
            return "projected";
        }
        if (v.getSecret() != null) {
            return "secret";
        }
        return v.getHostPath() != null ? "hostPath" : "other";
    }
}
