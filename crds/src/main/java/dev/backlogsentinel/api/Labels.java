package dev.backlogsentinel.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/** The labels agent and operator put on what they write, and the one rule for their values. */
public final class Labels {

    private Labels() {
    }

    /**
     * The {@link Vocabulary#NODE_LABEL} label of what is written about a node: its name as a label value
     * ({@link #value}), the same on the agent's and the operator's side whatever the name's length.
     */
    public static Map<String, String> ofNode(String node) {
        return Map.of(Vocabulary.NODE_LABEL, value(node));
    }

    /**
     * A label value for a name that may be longer than a label value may be (63 characters): kept
     * as is when it fits, else cut and suffixed with a hash, so two long names never share a value.
     */
    public static String value(String name) {
        return name.length() <= 63 ? name : name.substring(0, 46) + "-" + sha256(name).substring(0, 16);
    }

    /** Hex SHA-256 of a text (UTF-8). */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
