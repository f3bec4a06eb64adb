package check

import (
	"fmt"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Object is a decoded manifest: its type meta, name and typed value (a
// *appsv1.Deployment, *corev1.Service, …).
type Object struct {
	Manifest
	metav1.TypeMeta
	Name  string
	Value any
}

// newTyped returns an empty value of the API type for apiVersion and kind,
// or nil for a kind the chart is not expected to render.
func newTyped(apiVersion, kind string) any {
	switch apiVersion + " " + kind {
	case "apps/v1 Deployment":
		return &appsv1.Deployment{}
	case "apps/v1 StatefulSet":
		return &appsv1.StatefulSet{}
	case "v1 Service":
		return &corev1.Service{}
	case "v1 Secret":
		return &corev1.Secret{}
	case "v1 ConfigMap":
		return &corev1.ConfigMap{}
	case "v1 ServiceAccount":
		return &corev1.ServiceAccount{}
	case "autoscaling/v2 HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}
	case "policy/v1 PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	case "monitoring.coreos.com/v1 ServiceMonitor":
		return &monitoringv1.ServiceMonitor{}
	}
	return nil
}

// Decode decodes each manifest strictly into its Kubernetes API type: an
// unknown field, a duplicate key, a value of the wrong type or a kind
// this checker does not know is an error naming the template.
func Decode(ms []Manifest) ([]Object, error) {
	var objs []Object
	for _, m := range ms {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(m.YAML), &tm); err != nil {
			return nil, fmt.Errorf("%s: %w", m.Template, err)
		}
		v := newTyped(tm.APIVersion, tm.Kind)
		if v == nil {
			return nil, fmt.Errorf("%s: apiVersion %q kind %q: not a type this check decodes (add it to newTyped)", m.Template, tm.APIVersion, tm.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(m.YAML), v); err != nil {
			return nil, fmt.Errorf("%s: %s %s: strict decode: %w", m.Template, tm.APIVersion, tm.Kind, err)
		}
		meta, ok := v.(metav1.Object)
		if !ok || meta.GetName() == "" {
			return nil, fmt.Errorf("%s: %s without metadata.name", m.Template, tm.Kind)
		}
		objs = append(objs, Object{Manifest: m, TypeMeta: tm, Name: meta.GetName(), Value: v})
	}
	return objs, nil
}

// Find returns the objects of kind, in order.
func Find[T any](objs []Object) []T {
	var out []T
	for _, o := range objs {
		if v, ok := o.Value.(T); ok {
			out = append(out, v)
		}
	}
	return out
}
