package dev.backlogsentinel.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The install steps as the README writes them, read from the README itself, so that the real-node
 * test runs what a user would copy: the `helm install` line and the first BacklogPolicy.
 *
 * @param release       the release name of the README's `helm install`
 * @param chart         its chart path, relative to the repository
 * @param namespace     its --namespace
 * @param createNamespace whether it says --create-namespace
 * @param policyYaml    the README's first BacklogPolicy, as a user would `kubectl apply -f` it
 * @param kubectlBefore the `kubectl` commands its install block runs before `helm install` (the
 *                      namespace and its PodSecurity label), each as its arguments
 */
record ReadmeSteps(String release, String chart, String namespace, boolean createNamespace, String policyYaml,
        List<List<String>> kubectlBefore) {

    private static final Pattern HELM_INSTALL = Pattern.compile("(?m)^helm install (.+?)\\s*$");
    private static final Pattern YAML_BLOCK = Pattern.compile("(?s)```yaml\\n(.*?)```");
    private static final Pattern BASH_BLOCK = Pattern.compile("(?s)```bash\\n(.*?)```");

    /** The agent's namespace: the chart's default agent.namespace.name, the release namespace's then -agent. */
    String agentNamespace() {
        return namespace + "-agent";
    }

    static ReadmeSteps read(Path readme) {
        String text;
        try {
            text = Files.readString(readme);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Matcher install = HELM_INSTALL.matcher(text);
        if (!install.find()) {
            throw new IllegalStateException("no `helm install` line in " + readme);
        }
        List<String> words = new ArrayList<>(List.of(install.group(1).split("\\s+")));
        String release = words.removeFirst();
        String chart = words.removeFirst();
        String namespace = null;
        boolean create = false;
        while (!words.isEmpty()) {
            String w = words.removeFirst();
            switch (w) {
                case "--namespace", "-n" -> namespace = words.removeFirst();
                case "--create-namespace" -> create = true;
                default -> throw new IllegalStateException("the README's helm install has an option this test does not "
                        + "know how to run: " + w);
            }
        }
        String policy = null;
        Matcher yaml = YAML_BLOCK.matcher(text);
        while (yaml.find() && policy == null) {
            if (yaml.group(1).contains("kind: BacklogPolicy") && !yaml.group(1).contains("status:")) {
                policy = yaml.group(1);
            }
        }
        if (namespace == null || policy == null) {
            throw new IllegalStateException("the README's install steps lack a --namespace or a BacklogPolicy: " + readme);
        }
        List<List<String>> before = new ArrayList<>();
        Matcher bash = BASH_BLOCK.matcher(text);
        while (bash.find()) {
            if (bash.group(1).contains(install.group())) {
                for (String line : bash.group(1).lines().takeWhile(l -> !l.startsWith("helm install ")).toList()) {
                    String command = line.replaceFirst("\\s+#.*$", "").strip();
                    if (command.startsWith("kubectl ")) {
                        before.add(List.of(command.substring("kubectl ".length()).split("\\s+")));
                    } else if (!command.isEmpty()) {
                        throw new IllegalStateException("the README's install block runs what this test does not know how to run: " + line);
                    }
                }
                break;
            }
        }
        return new ReadmeSteps(release, chart, namespace, create, policy, List.copyOf(before));
    }
}
