package dev.backlogsentinel.api;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

/**
 * The API module's packages depend one way: the shared rules and names (this package) on nothing
 * of the kinds; the report kind on them; the policy kind on both (its status lists reported
 * listeners); the servers' advice on nothing. So no cycle runs between them.
 */
class LayersTest {

    static final JavaClasses API = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.backlogsentinel.api");

    @Test
    void layersDependOneWay() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Shared").definedBy("dev.backlogsentinel.api")
                .layer("Report").definedBy("dev.backlogsentinel.api.report..")
                .layer("Policy").definedBy("dev.backlogsentinel.api.policy..")
                .layer("Advice").definedBy("dev.backlogsentinel.api.advice..")
                .whereLayer("Policy").mayNotBeAccessedByAnyLayer()
                .whereLayer("Advice").mayNotBeAccessedByAnyLayer()
                .whereLayer("Report").mayOnlyBeAccessedByLayers("Policy")
                .check(API);
    }
}
