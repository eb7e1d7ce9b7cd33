package kernels

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needTool returns the path of a tool, skipping locally when it is missing
// and failing in CI (env CI set), where .ci/run installs it.
func needTool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%v not found: CI must install it (.ci/run)", names)
	}
	t.Skipf("%v not found (CI installs it)", names)
	return ""
}

// TestPTXCurrent regenerates the PTX into a temporary directory and fails
// when the committed *.ptx differ: run `go generate ./exec/gpu/kernels/`.
func TestPTXCurrent(t *testing.T) {
	needTool(t, "clang-14")
	dir := t.TempDir()
	cmd := exec.Command("sh", "gen.sh", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen.sh: %v\n%s", err, out)
	}
	fresh, _ := filepath.Glob(filepath.Join(dir, "*.ptx"))
	committed := PTX()
	if len(fresh) != len(committed) || len(fresh) == 0 {
		t.Fatalf("%d fresh PTX files, %d committed: run go generate ./exec/gpu/kernels/", len(fresh), len(committed))
	}
	for _, f := range fresh {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".ptx")
		if committed[name] != string(b) {
			t.Errorf("kernels/%s.ptx is stale: run go generate ./exec/gpu/kernels/", name)
		}
	}
}
