package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// peersDir is tools/peers relative to this package.
var peersDir = filepath.Join("..", "tools", "peers")

// requirePeer skips the test when the Polars reader is not installed
// (`make peers`), and fails it instead when CI is set.
func requirePeer(t *testing.T) string {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("independent reader unavailable under CI: %s (run `make peers`)", why)
		}
		t.Skipf("independent reader unavailable: %s (run `make peers`)", why)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("no node on PATH")
	}
	if _, err := os.Stat(filepath.Join(peersDir, "node_modules", "nodejs-polars")); err != nil {
		missing("tools/peers/node_modules/nodejs-polars is missing")
	}
	return node
}

// peerResult is one file as tools/peers/read_ipc.mjs reports it.
type peerResult struct {
	Path    string             `json:"path"`
	Rows    int                `json:"rows"`
	Columns []string           `json:"columns"`
	Sums    map[string]float64 `json:"sums"`
}

// TestPolarsReadsShards: Polars (tools/peers/read_ipc.mjs) reads every
// shard and aggregate table of each output format with the same rows,
// column names and column sums as arrow-go.
func TestPolarsReadsShards(t *testing.T) {
	node := requirePeer(t)
	script, err := filepath.Abs(filepath.Join(peersDir, "read_ipc.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range formatCases {
		dir, m := formatRun(t, c)
		var paths []string
		for _, p := range outputFiles(m) {
			paths = append(paths, filepath.Join(dir, filepath.FromSlash(p)))
		}
		cmd := exec.Command(node, append([]string{script}, paths...)...)
		cmd.Dir = peersDir
		out, err := cmd.Output()
		if err != nil {
			msg := ""
			if ee, ok := err.(*exec.ExitError); ok {
				msg = string(ee.Stderr)
			}
			t.Fatalf("%v: read_ipc.mjs: %v\n%s", c, err, msg)
		}
		var res []peerResult
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("%v: read_ipc.mjs output: %v\n%.500s", c, err, out)
		}
		if len(res) != len(paths) {
			t.Fatalf("%v: read_ipc.mjs reported %d files, asked %d", c, len(res), len(paths))
		}
		for i, p := range paths {
			r := res[i]
			tb := readTable(t, p)
			if r.Path != p || r.Rows != tb.Rows || !slices.Equal(r.Columns, tb.Names) {
				t.Fatalf("%v: %s: polars %d rows %v, arrow-go %d rows %v", c, p, r.Rows, r.Columns, tb.Rows, tb.Names)
			}
			numeric := 0
			for _, name := range tb.Names {
				col := tb.Cols[name]
				if !col.numeric() {
					if _, ok := r.Sums[name]; ok {
						t.Fatalf("%v: %s: polars summed string column %s", c, p, name)
					}
					continue
				}
				numeric++
				var sum float64
				for j := 0; j < tb.Rows; j++ {
					if col.Valid[j] {
						sum += col.num(j)
					}
				}
				got, ok := r.Sums[name]
				if !ok || !relClose(got, sum, 1e-6) && !(sum == 0 && got == 0) {
					t.Fatalf("%v: %s: column %s sum: polars %v (reported %v), arrow-go %v", c, p, name, got, ok, sum)
				}
			}
			if len(r.Sums) != numeric {
				t.Fatalf("%v: %s: polars summed %d columns, arrow-go has %d numeric", c, p, len(r.Sums), numeric)
			}
		}
	}
}
