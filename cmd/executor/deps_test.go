package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The executor binary runs bound stage fragments: it links neither the job
// parser, the planner, the benchmark harness nor the driver.
func TestExecutorLinksNoDriverPackages(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	const mod = "github.com/sluice-ml/sluice/"
	forbidden := map[string]bool{mod + "jobspec": true, mod + "planner": true, mod + "bench": true, mod + "engine": true, mod + "cluster/serve": true}
	deps := strings.Fields(string(out))
	if len(deps) == 0 || deps[len(deps)-1] != mod+"cmd/executor" {
		t.Fatalf("go list -deps did not list the executor last: %q", deps)
	}
	for _, d := range deps {
		if forbidden[d] || strings.HasPrefix(d, mod+"bench/") {
			t.Errorf("the executor binary links %s", d)
		}
	}
}
