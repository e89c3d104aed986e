package dev.backlogsentinel.api;

/** State of one listener under one policy (DESIGN.md "States of one listener"). */
public enum ListenerState {
    OK,
    Warning,
    Saturated
}
