package gpu

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
// when the committed kernels/*.ptx differ: run `go generate ./exec/gpu/`.
func TestPTXCurrent(t *testing.T) {
	needTool(t, "clang-14")
	dir := t.TempDir()
	cmd := exec.Command("sh", "kernels/gen.sh", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen.sh: %v\n%s", err, out)
	}
	fresh, _ := filepath.Glob(filepath.Join(dir, "*.ptx"))
	committed := PTX()
	if len(fresh) != len(committed) || len(fresh) == 0 {
		t.Fatalf("%d fresh PTX files, %d committed: run go generate ./exec/gpu/", len(fresh), len(committed))
	}
	for _, f := range fresh {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".ptx")
		if committed[name] != string(b) {
			t.Errorf("kernels/%s.ptx is stale: run go generate ./exec/gpu/", name)
		}
	}
}

// TestPTXEntries checks that every kernel the emulator runs is an entry of
// the embedded PTX, so the real device finds it by name.
func TestPTXEntries(t *testing.T) {
	have := map[string]bool{}
	for _, ptx := range PTX() {
		for _, n := range kernelNames(ptx) {
			have[n] = true
		}
	}
	for _, n := range []string{"k_file_rows", "k_seeded2", "k_hash_values", "k_hash_buckets", "k_fill_u64", "k_transform_f32",
		"k_bucketize", "k_moments", "k_groupcount", "k_compact_count", "k_compact_scatter", "k_assign",
		"k_hash_strings", "k_gather_u64", "k_gather_i32", "k_vocab_values", "k_vocab_strings", "k_onehot", "k_filter_eval",
		"k_groupagg_slots", "k_groupagg_gids", "k_radix_hist", "k_scan_u32", "k_radix_scatter", "k_seg_starts", "k_groupagg_reduce"} {
		if !have[n] {
			t.Errorf("kernel %s is not in the embedded PTX", n)
		}
	}
	if strings.Contains(strings.Join(mapValues(PTX()), ""), "fma.rn") {
		t.Error("the PTX contains fused multiply-adds: compile with -ffp-contract=off")
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
