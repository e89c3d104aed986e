package dev.backlogsentinel.charts;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The chart rendered by real Helm (helm-java) and parsed with fabric8, as the API server would receive it. */
final class Rendered {

    static final Path CHART = Path.of("backlog-sentinel");
    static final String RELEASE = "backlog-sentinel";
    static final String NAMESPACE = "backlog-sentinel";

    final List<HasMetadata> objects;

    private Rendered(List<HasMetadata> objects) {
        this.objects = objects;
    }

    static Rendered with(Map<String, Object> values) {
        TemplateCommand template = new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion("1.31.0");
        values.forEach(template::set);
        String yaml = template.call();
        List<HasMetadata> objects = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (doc.strip().isEmpty() || doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
                continue;
            }
            Object parsed = Serialization.unmarshal(doc);
            if (parsed instanceof KubernetesList list) {
                objects.addAll(list.getItems());
            } else {
                objects.add((HasMetadata) parsed);
            }
        }
        return new Rendered(objects);
    }

    <T extends HasMetadata> List<T> all(Class<T> kind) {
        return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> kind, String nameSuffix) {
        List<T> found = all(kind).stream().filter(o -> o.getMetadata().getName().endsWith(nameSuffix)).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind.getSimpleName() + " *" + nameSuffix + ", found " + found.size());
        }
        return found.getFirst();
    }

    DaemonSet agent() {
        return one(DaemonSet.class, "-agent");
    }

    Container agentContainer() {
        return agent().getSpec().getTemplate().getSpec().getContainers().getFirst();
    }

    Deployment operator() {
        return one(Deployment.class, "-operator");
    }

}
