package dev.backlogsentinel.api.report;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One node's listen queues as its agent sees them: cluster-scoped, named after the node and owned
 * by it. The agent writes it; the operator turns it into the node condition, events and policy status.
 */
@Group("backlogsentinel.dev")
@Version("v1alpha1")
@Plural("nodebacklogreports")
@ShortNames("nbr")
@AdditionalPrinterColumn(name = "Reader", jsonPath = ".status.reader", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Listeners", jsonPath = ".status.totals.listeners", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Matched", jsonPath = ".status.totals.matched", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Updated", jsonPath = ".status.updatedAt", type = AdditionalPrinterColumn.Type.DATE)
public class NodeBacklogReport extends CustomResource<Void, NodeBacklogReportStatus> {
}
