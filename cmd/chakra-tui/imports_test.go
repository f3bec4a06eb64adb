package main

import (
	"os/exec"
	"strings"
	"testing"
)

// layers orders the project's packages: a package may import only
// packages of its own layer or below (README's package map). The first
// matching prefix wins, so the more specific prefixes come first.
var layers = []struct {
	prefix string
	rank   int
}{
	{"cmd/", 6},
	{"ui", 5},
	{"detector/live", 4},
	{"detector/monitor", 3},
	{"detector/session", 3},
	{"detector", 2},
	{"featurestore", 1},
	{"engine", 0},
}

// adapters are imported only by the commands that construct a store or
// an alert sink (and by each other: featurestore/s3 is a parquet.Bucket).
var adapters = []string{"featurestore/redis", "featurestore/parquet", "featurestore/s3", "ui/alertsink"}

// surfaces are I/O adapters of the ui layer that only the commands import
// (the Kafka surface), and the outside modules only they may import: the
// rest of the module, the dashboard included, links no Kafka client (the
// benchmark tools aside).
var surfaces = map[string]string{"ui/kafkaio": "github.com/twmb/franz-go"}

const module = "github.com/chakra-tui/chakra-tui/"

func layer(pkg string) (int, bool) {
	for _, l := range layers {
		if pkg == l.prefix || strings.HasPrefix(pkg, strings.TrimSuffix(l.prefix, "/")+"/") {
			return l.rank, true
		}
	}
	return 0, false
}

func isAdapter(pkg string) bool {
	for _, a := range adapters {
		if pkg == a || strings.HasPrefix(pkg, a+"/") {
			return true
		}
	}
	return false
}

// TestImportsPointOneWay checks the package graph of the whole module (the
// non-test imports): nothing imports a layer above its own, only commands
// import the store adapters, and the product binary links no testing
// package and none of the benchmark tools.
func TestImportsPointOneWay(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := strings.TrimPrefix(f[0], module)
		from, ok := layer(pkg)
		if !ok {
			t.Errorf("package %s is in no layer of the package map", pkg)
			continue
		}
		for _, imp := range f[1:] {
			for surface, ext := range surfaces {
				// The benchmark tools may serve the in-process cluster
				// (chakra-bench kafka); the product binary links no kfake
				// (checked below).
				if (imp == ext || strings.HasPrefix(imp, ext+"/")) && pkg != surface && !strings.HasPrefix(pkg, "cmd/chakra-bench") {
					t.Errorf("%s imports %s: only %s may", pkg, imp, surface)
				}
			}
			if !strings.HasPrefix(imp, module) {
				continue
			}
			imp = strings.TrimPrefix(imp, module)
			to, _ := layer(imp)
			checked++
			if to > from {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports must point down the package map", pkg, from, imp, to)
			}
			if isAdapter(imp) && !strings.HasPrefix(pkg, "cmd/") && !isAdapter(pkg) {
				t.Errorf("%s imports the store adapter %s: only the commands construct stores", pkg, imp)
			}
			if _, ok := surfaces[imp]; ok && !strings.HasPrefix(pkg, "cmd/") {
				t.Errorf("%s imports the I/O surface %s: only the commands do", pkg, imp)
			}
		}
	}
	if checked < 50 {
		t.Fatalf("only %d imports checked: go list printed\n%s", checked, out)
	}

	deps, err := exec.Command("go", "list", "-deps", module+"cmd/chakra-tui").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, deps)
	}
	for _, d := range strings.Fields(string(deps)) {
		switch {
		case d == "testing" || strings.HasPrefix(d, "testing/"):
			t.Errorf("the product binary links %s", d)
		case strings.HasPrefix(d, module+"cmd/chakra-bench"), strings.HasSuffix(d, "/redisserver"), strings.HasSuffix(d, "/kfake"),
			strings.HasPrefix(d, module) && strings.HasSuffix(d, "test"):
			t.Errorf("the product binary links the tool or test helper %s", d)
		}
	}
}
