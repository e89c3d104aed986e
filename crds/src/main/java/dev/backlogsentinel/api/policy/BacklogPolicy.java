package dev.backlogsentinel.api.policy;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Which listening sockets of which pods to watch, and the thresholds that make a listen queue
 * Warning or Saturated. Its status sums what the agents report for it across the cluster.
 */
@Group("backlogsentinel.dev")
@Version("v1alpha1")
@Plural("backlogpolicies")
@ShortNames("blp")
@AdditionalPrinterColumn(name = "Warning", jsonPath = ".spec.warningPercent", type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "accept-queue usage percent that marks a listener Warning")
@AdditionalPrinterColumn(name = "Critical", jsonPath = ".spec.criticalPercent", type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "accept-queue usage percent that marks a listener Saturated")
@AdditionalPrinterColumn(name = "Matched", jsonPath = ".status.matchedPods", type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "pods matched on all nodes")
@AdditionalPrinterColumn(name = "Saturated", jsonPath = ".status.saturated", type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "listeners Saturated now")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING, getDescription = "whether the policy is accepted and enforced")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class BacklogPolicy extends CustomResource<BacklogPolicySpec, BacklogPolicyStatus> implements Namespaced {
}
