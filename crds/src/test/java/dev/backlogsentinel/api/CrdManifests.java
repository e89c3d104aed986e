package dev.backlogsentinel.api;

import dev.backlogsentinel.api.policy.BacklogPolicy;
import dev.backlogsentinel.api.report.NodeBacklogReport;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns the CRD generator's output into the committed manifests. The generator sorts printer
 * columns by JSON path, but kubectl prints them in list order, so the order declared on the kind
 * (e.g. WARNING, CRITICAL, MATCHED, SATURATED, READY, AGE) is restored on the parsed model.
 */
public final class CrdManifests {

    /** Generated file name (crd-generator) → its kind class. */
    public static final Map<String, Class<? extends CustomResource<?, ?>>> KINDS = Map.of(
            "backlogpolicies.backlogsentinel.dev-v1.yml", BacklogPolicy.class,
            "nodebacklogreports.backlogsentinel.dev-v1.yml", NodeBacklogReport.class);

    public static final String HEADER = "# Generated from the Java model in crds/src/main/java; do not edit.\n"
            + "# Regenerate with: ./mvnw -pl crds test -Dcrds.update\n";

    private CrdManifests() {
    }

    public static String manifest(String generatedYaml, Class<?> kind) {
        CustomResourceDefinition crd = Serialization.unmarshal(generatedYaml, CustomResourceDefinition.class);
        List<String> order = new ArrayList<>();
        for (AdditionalPrinterColumn column : kind.getAnnotationsByType(AdditionalPrinterColumn.class)) {
            order.add(column.name());
        }
        for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
            List<CustomResourceColumnDefinition> columns = new ArrayList<>(version.getAdditionalPrinterColumns());
            columns.sort((a, b) -> Integer.compare(rank(order, a.getName()), rank(order, b.getName())));
            version.setAdditionalPrinterColumns(columns);
        }
        String yaml = Serialization.asYaml(crd);
        return HEADER + (yaml.startsWith("---\n") ? yaml.substring(4) : yaml);
    }

    private static int rank(List<String> order, String name) {
        int i = order.indexOf(name);
        return i < 0 ? Integer.MAX_VALUE : i;
    }
}
