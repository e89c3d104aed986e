package dev.backlogsentinel.operator;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The operator's layers, bottom to top (docs/architecture.md, "Layout"): configuration, metrics
 * and the informer plumbing; events; the policy-status controller; the node-pressure controller,
 * which reads the policies; and beside them the admission check, which needs configuration only.
 * A class that reaches up, or a new cycle, fails here.
 */
class LayersTest {

    static final JavaClasses OPERATOR = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.backlogsentinel.operator");

    @Test
    void layersDependOneWay() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Base").definedBy("..operator.config..", "..operator.metrics..", "..operator.informers..")
                .layer("Events").definedBy("..operator.events..")
                .layer("Policy").definedBy("..operator.policy..")
                .layer("Node").definedBy("..operator.node..")
                .layer("Admission").definedBy("..operator.admission..")
                .whereLayer("Node").mayNotBeAccessedByAnyLayer()
                .whereLayer("Admission").mayNotBeAccessedByAnyLayer()
                .whereLayer("Policy").mayOnlyBeAccessedByLayers("Node")
                .whereLayer("Events").mayOnlyBeAccessedByLayers("Policy", "Node")
                .whereLayer("Base").mayOnlyBeAccessedByLayers("Events", "Policy", "Node", "Admission")
                .check(OPERATOR);
    }

    @Test
    void theBasePackagesKnowNothingOfEachOther() {
        slices().matching("dev.backlogsentinel.operator.(config|metrics|informers)..").namingSlices("$1").should()
                .notDependOnEachOther().check(OPERATOR);
    }

    @Test
    void noCycles() {
        slices().matching("dev.backlogsentinel.operator.(*)..").should().beFreeOfCycles().check(OPERATOR);
    }
}
