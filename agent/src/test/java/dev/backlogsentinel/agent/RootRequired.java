package dev.backlogsentinel.agent;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Marks a test that needs root to make network namespaces. Under CI (CI=true) it always runs, so a
 * missing privilege fails loudly instead of skipping; on a developer's machine without root it is skipped.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RootRequired.Condition.class)
public @interface RootRequired {

    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (isRoot() || "true".equalsIgnoreCase(System.getenv("CI"))) {
                return ConditionEvaluationResult.enabled("root, or CI where kernel tests must run");
            }
            return ConditionEvaluationResult.disabled("kernel test: needs root (run the tests as root, as CI does)");
        }

        static boolean isRoot() {
            try {
                return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
            } catch (Exception e) {
                return false;
            }
        }
    }
}
