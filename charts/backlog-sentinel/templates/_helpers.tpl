{{- define "bs.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "bs.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "bs.labels" -}}
app.kubernetes.io/name: {{ include "bs.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "bs.selector" -}}
app.kubernetes.io/name: {{ include "bs.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "bs.image" -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) -}}
{{- end -}}

{{- /* The agent's namespace: its DaemonSet, ServiceAccount, metrics Service and heartbeat Leases. */}}
{{- define "bs.agentNamespace" -}}
{{- default (printf "%s-agent" (.Release.Namespace | default "default")) (dig "namespace" "name" "" .Values.agent) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
