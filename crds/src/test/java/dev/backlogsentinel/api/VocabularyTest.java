package dev.backlogsentinel.api;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The names a cluster sees are written once, in {@link Vocabulary}: no main source of the agent, the
 * operator or the API module spells one of them as a string literal.
 */
class VocabularyTest {

    private static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\\\n]|\\\\.)*)\"");
    /** A CRD printer column's header is a column's name, not the vocabulary word it may spell. */
    private static final Pattern PRINTER_COLUMN = Pattern.compile("@AdditionalPrinterColumn\\(name = \"[^\"]*\"");

    @Test
    void noMainSourceSpellsAVocabularyWordItself() throws Exception {
        Map<String, String> words = words();
        assertThat(words).containsKeys("ListenQueuePressure", "backlogsentinel.dev/notified", "ListenQueueOverflow");
        List<String> found = new ArrayList<>();
        Path root = Path.of("..").toAbsolutePath().normalize();
        for (String module : List.of("agent", "operator", "crds")) {
            try (Stream<Path> files = Files.walk(root.resolve(module).resolve("src/main/java"))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java") && !f.endsWith("Vocabulary.java")).toList()) {
                    found.addAll(literals(root.relativize(file), Files.readString(file), words));
                }
            }
        }
        assertThat(found).as("use the Vocabulary constant instead").isEmpty();
    }

    @Test
    void theCheckFindsALiteral() {
        assertThat(literals(Path.of("X.java"), "class X { String r = \"ListenQueueOverflow\"; String s = \"other\"; }", words()))
                .containsExactly("X.java:1: \"ListenQueueOverflow\" (Vocabulary.EVENT_OVERFLOW)");
    }

    static List<String> literals(Path file, String source, Map<String, String> words) {
        List<String> found = new ArrayList<>();
        String[] lines = source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = PRINTER_COLUMN.matcher(lines[i]).replaceAll("");
            Matcher m = LITERAL.matcher(line);
            while (m.find()) {
                String constant = words.get(m.group(1));
                if (constant != null) {
                    found.add(file + ":" + (i + 1) + ": \"" + m.group(1) + "\" (Vocabulary." + constant + ")");
                }
            }
        }
        return found;
    }

    /** Every String constant of Vocabulary: its value to its name. */
    static Map<String, String> words() {
        Map<String, String> words = new HashMap<>();
        for (Field f : Vocabulary.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    words.putIfAbsent((String) f.get(null), f.getName());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return words;
    }
}
