package check

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader"
	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
)

// Release names the release a chart is rendered for.
type Release struct {
	Name, Namespace string
}

// Manifest is one rendered Kubernetes object as YAML, with the template
// it came from.
type Manifest struct {
	Template string // e.g. chakra-tui/templates/deployment.yaml
	YAML     string
}

// Render renders the chart in dir as `helm template` would for an install
// of rel: the chart's values.yaml, then each values file in order (later
// files win). The engine is strict: a template naming a value that does
// not exist is an error. It returns the manifests in a stable order and
// NOTES.txt separately.
func Render(dir string, rel Release, valuesFiles ...string) ([]Manifest, string, error) {
	ch, err := loader.Load(dir)
	if err != nil {
		return nil, "", fmt.Errorf("load chart %s: %w", dir, err)
	}
	vals := map[string]any{}
	for _, f := range valuesFiles {
		v, err := common.ReadValuesFile(f)
		if err != nil {
			return nil, "", fmt.Errorf("values %s: %w", f, err)
		}
		vals = mergeValues(vals, v.AsMap())
	}
	top, err := util.ToRenderValues(ch, vals, common.ReleaseOptions{Name: rel.Name, Namespace: rel.Namespace, IsInstall: true, Revision: 1}, common.DefaultCapabilities)
	if err != nil {
		return nil, "", fmt.Errorf("values: %w", err)
	}
	out, err := engine.Engine{Strict: true}.Render(ch, top)
	if err != nil {
		return nil, "", fmt.Errorf("render: %w", err)
	}
	var names []string
	for n := range out {
		names = append(names, n)
	}
	sort.Strings(names)
	var ms []Manifest
	notes := ""
	for _, n := range names {
		base := path.Base(n)
		switch {
		case base == "NOTES.txt":
			notes = out[n]
			continue
		case strings.HasPrefix(base, "_"):
			continue
		}
		docs := releaseutil.SplitManifests(out[n])
		var keys []string
		for k := range docs {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return manifestIndex(keys[i]) < manifestIndex(keys[j]) })
		for _, k := range keys {
			if y := strings.TrimSpace(docs[k]); y != "" && !onlyComments(y) {
				ms = append(ms, Manifest{Template: n, YAML: y})
			}
		}
	}
	return ms, notes, nil
}

// manifestIndex is the number in SplitManifests' keys ("manifest-12").
func manifestIndex(key string) int {
	var i int
	fmt.Sscanf(strings.TrimPrefix(key, "manifest-"), "%d", &i)
	return i
}

func onlyComments(y string) bool {
	for _, l := range strings.Split(y, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") && l != "---" {
			return false
		}
	}
	return true
}

// mergeValues merges b over a, tables key by key (as helm -f does).
func mergeValues(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bt, ok := v.(map[string]any); ok {
			if at, ok := out[k].(map[string]any); ok {
				out[k] = mergeValues(at, bt)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// String renders ms as one multi-document YAML stream.
func String(ms []Manifest) string {
	var b bytes.Buffer
	for _, m := range ms {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.Template, m.YAML)
	}
	return b.String()
}
