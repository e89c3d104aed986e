package dev.backlogsentinel.api.policy;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;

import java.util.ArrayList;
import java.util.List;

/** What a BacklogPolicy watches and when a listener counts as Warning or Saturated. */
@ValidationRule(value = "self.warningPercent < self.criticalPercent",
        message = "warningPercent must be less than criticalPercent", reason = "FieldValueInvalid")
public class BacklogPolicySpec {

    /** Go-style duration: a number and a unit (ms, s, m, h), repeated, e.g. 15s, 1m30s; or 0. */
    public static final String DURATION_PATTERN = "^(0|([0-9]+(\\.[0-9]+)?(ms|s|m|h))+)$";

    @JsonPropertyDescription("Pods of this namespace whose listening sockets this policy watches. "
            + "An empty selector ({}) or none selects every pod of the namespace.")
    private LabelSelector podSelector;

    @JsonPropertyDescription("Listening TCP ports to watch. Empty: every listening port of the selected pods.")
    @ValidationRule(value = "self.all(p, p >= 1 && p <= 65535)", message = "ports must be between 1 and 65535")
    private List<Integer> ports = new ArrayList<>();

    @JsonPropertyDescription("Accept-queue usage (depth divided by the socket's limit, in percent) at or above which "
            + "a listener becomes Warning once it has stayed there for sustainFor. 1 to 100, below criticalPercent.")
    @Default("70")
    @Min(1)
    @Max(100)
    private Integer warningPercent = 70;

    @JsonPropertyDescription("Accept-queue usage in percent at or above which a listener becomes Saturated once it has "
            + "stayed there for sustainFor. A full queue (depth above its limit: the kernel is dropping connections) "
            + "is Saturated at once whatever this says. 1 to 100, above warningPercent.")
    @Default("90")
    @Min(1)
    @Max(100)
    private Integer criticalPercent = 90;

    @JsonPropertyDescription("How long a listener must stay at or above a threshold before its state changes, and below "
            + "warningPercent before it counts as recovered. A duration such as 15s, 2m or 1m30s; 0s changes at once.")
    @Default("15s")
    @Pattern(DURATION_PATTERN)
    private String sustainFor = "15s";

    @JsonPropertyDescription("ListenOverflows per minute in the pod's network namespace that mark a listener at or near "
            + "its limit Saturated. 0 disables this test.")
    @Default("1")
    @Min(0)
    private Integer overflowsPerMinute = 1;

    @JsonPropertyDescription("Whether Saturated listeners under this policy set the node condition "
            + "ListenQueuePressure=True on their node.")
    @Default("true")
    private Boolean nodeCondition = true;

    @JsonPropertyDescription("Whether this policy's transitions are written as events on the pod "
            + "(ListenQueueSaturated, ListenQueueOverflow, ListenQueueRecovered).")
    @Default("true")
    private Boolean events = true;

    public LabelSelector getPodSelector() {
        return podSelector;
    }

    public void setPodSelector(LabelSelector podSelector) {
        this.podSelector = podSelector;
    }

    public List<Integer> getPorts() {
        return ports;
    }

    public void setPorts(List<Integer> ports) {
        this.ports = ports;
    }

    public Integer getWarningPercent() {
        return warningPercent;
    }

    public void setWarningPercent(Integer warningPercent) {
        this.warningPercent = warningPercent;
    }

    public Integer getCriticalPercent() {
        return criticalPercent;
    }

    public void setCriticalPercent(Integer criticalPercent) {
        this.criticalPercent = criticalPercent;
    }

    public String getSustainFor() {
        return sustainFor;
    }

    public void setSustainFor(String sustainFor) {
        this.sustainFor = sustainFor;
    }

    public Integer getOverflowsPerMinute() {
        return overflowsPerMinute;
    }

    public void setOverflowsPerMinute(Integer overflowsPerMinute) {
        this.overflowsPerMinute = overflowsPerMinute;
    }

    public Boolean getNodeCondition() {
        return nodeCondition;
    }

    public void setNodeCondition(Boolean nodeCondition) {
        this.nodeCondition = nodeCondition;
    }

    public Boolean getEvents() {
        return events;
    }

    public void setEvents(Boolean events) {
        this.events = events;
    }
}
