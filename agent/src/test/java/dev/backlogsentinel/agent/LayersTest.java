package dev.backlogsentinel.agent;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The agent's layers, bottom to top, each depending only on those below it (docs/architecture.md,
 * "Layout"): kernel values and the reader interface; the two readers; discovery and attribution;
 * configuration; scanning; policy; then the outputs (cluster mode, local mode, metrics) and the
 * application that picks one. A class that reaches up, or a new cycle, fails here.
 */
class LayersTest {

    static final JavaClasses AGENT = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.backlogsentinel.agent");

    @Test
    void layersDependOneWay() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Kernel").definedBy("..agent.kernel..")
                .layer("Readers").definedBy("..agent.netlink..", "..agent.procfs..")
                .layer("Discovery").definedBy("..agent.netns..", "..agent.attribution..")
                .layer("Config").definedBy("..agent.config..")
                .layer("Scan").definedBy("..agent.scan..")
                .layer("Policy").definedBy("..agent.policy..")
                .layer("Outputs").definedBy("..agent.cluster..", "..agent.local..", "..agent.metrics..")
                .layer("Application").definedBy("dev.backlogsentinel.agent")
                .whereLayer("Application").mayNotBeAccessedByAnyLayer()
                .whereLayer("Outputs").mayOnlyBeAccessedByLayers("Application")
                .whereLayer("Policy").mayOnlyBeAccessedByLayers("Outputs", "Application")
                .whereLayer("Scan").mayOnlyBeAccessedByLayers("Policy", "Outputs", "Application")
                .whereLayer("Config").mayOnlyBeAccessedByLayers("Scan", "Policy", "Outputs", "Application")
                .whereLayer("Discovery").mayOnlyBeAccessedByLayers("Scan", "Policy", "Outputs", "Application")
                .whereLayer("Readers").mayOnlyBeAccessedByLayers("Discovery", "Scan", "Outputs", "Application")
                .whereLayer("Kernel").mayOnlyBeAccessedByLayers("Readers", "Discovery", "Config", "Scan", "Policy", "Outputs",
                        "Application")
                .check(AGENT);
    }

    @Test
    void theTwoReadersKnowNothingOfEachOther() {
        slices().matching("dev.backlogsentinel.agent.(netlink|procfs)..").namingSlices("$1").should().notDependOnEachOther()
                .check(AGENT);
    }

    @Test
    void outputsDoNotDependOnEachOtherButOnMetrics() {
        slices().matching("dev.backlogsentinel.agent.(cluster|local)..").namingSlices("$1").should().notDependOnEachOther()
                .check(AGENT);
    }

    @Test
    void noCycles() {
        slices().matching("dev.backlogsentinel.agent.(*)..").should().beFreeOfCycles().check(AGENT);
    }
}
