{{/* The chart's name, cut to 63 characters (a DNS label). */}}
{{- define "chakra-tui.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the release name, with the chart's name unless it already holds it. */}}
{{- define "chakra-tui.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "chakra-tui.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "chakra-tui.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "chakra-tui.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chakra-tui.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{- define "chakra-tui.redisSelectorLabels" -}}
app.kubernetes.io/name: {{ include "chakra-tui.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: redis
{{- end }}

{{- define "chakra-tui.secretName" -}}
{{- default (printf "%s-token" (include "chakra-tui.fullname" .)) .Values.token.existingSecret }}
{{- end }}

{{- define "chakra-tui.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "chakra-tui.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "chakra-tui.redisName" -}}
{{- printf "%s-redis" (include "chakra-tui.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* --store: the value given, or the chart's own Redis when it is enabled and none is given. */}}
{{- define "chakra-tui.store" -}}
{{- if and .Values.redis.enabled (or (eq .Values.server.store "") (eq .Values.server.store "memory")) }}
{{- printf "redis://%s:%d/0" (include "chakra-tui.redisName" .) (int .Values.redis.port) }}
{{- else }}
{{- default "memory" .Values.server.store }}
{{- end }}
{{- end }}

{{- define "chakra-tui.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if eq $tag "latest" }}{{ fail "image.tag: latest is not allowed; name a version" }}{{ end }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
