package bench

import (
	"encoding/json"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/exec/gpu/cuda"
)

// requirePeers skips the test when node or the peers' packages are missing
// (`make peers`), and fails it instead when CI is set.
func requirePeers(t *testing.T) {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("peers unavailable under CI: %s (run `make peers`)", why)
		}
		t.Skipf("peers unavailable: %s (run `make peers`)", why)
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing("no node on PATH")
	}
	for _, m := range []string{"nodejs-polars", "@duckdb/node-api"} {
		if _, err := os.Stat(filepath.Join("..", "tools", "peers", "node_modules", m)); err != nil {
			missing("tools/peers/node_modules/" + m + " is missing")
		}
	}
}

// TestDriverBenchEndToEnd runs `driver bench --rows 20000 --runs 1 --jobs
// citibike` with both peers and checks the report files, the agreement and
// that the report's numbers follow from its measurements.
func TestDriverBenchEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the driver and runs the peers")
	}
	requirePeers(t)
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH to build the driver")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "driver")
	build := exec.Command("go", "build", "-o", bin, "github.com/sluice-ml/sluice/cmd/driver")
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	out := filepath.Join(dir, "report")
	cmd := exec.Command(bin, "bench", "--rows", "20000", "--runs", "1", "--jobs", "citibike", "--engines", "cpu,gpu",
		"--out", out, "--data", filepath.Join(dir, "data"), "--repo", "..", "--quiet", "--price-cpu", "0.36")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("driver bench: %v\n%s\n%s", err, stdout, stderr.String())
	}
	for _, name := range []string{"report.md", "report.json", "chart.png", filepath.Join("jobs", "citibike.yaml")} {
		if st, err := os.Stat(filepath.Join(out, name)); err != nil || st.Size() == 0 {
			t.Fatalf("%s: missing or empty (%v)", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "work")); !os.IsNotExist(err) {
		t.Fatalf("the scratch outputs were left behind: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	if len(rep.Disagreements) != 0 {
		t.Fatalf("disagreements: %v", rep.Disagreements)
	}
	byEngine := map[string]*Entry{}
	for _, e := range rep.Entries {
		byEngine[e.Engine] = e
	}
	// Without a GPU the entry says why and has no runs (the GPU check,
	// bench/gpu-run.sh, measures it on a machine with one).
	if _, err := cuda.Detect(); err != nil {
		if g := byEngine["sluice-gpu"]; g == nil || g.Status != "unavailable: "+err.Error() || len(g.Runs) != 0 {
			t.Fatalf("sluice-gpu entry %+v: want no runs and status %q", g, "unavailable: "+err.Error())
		}
	}
	var peerWalls []float64
	for _, name := range []string{"sluice-cpu", "duckdb", "polars"} {
		e := byEngine[name]
		if e == nil || e.Status != "ok" || len(e.Runs) != 1 {
			t.Fatalf("%s: entry %+v", name, e)
		}
		r := e.Runs[0]
		if e.Wall != r.Wall || e.CPU != r.CPU || e.MaxRSS != r.MaxRSS || r.Wall <= 0 || r.MaxRSS <= 0 {
			t.Fatalf("%s: medians of one run %v %v %v, run %+v", name, e.Wall, e.CPU, e.MaxRSS, r)
		}
		if e.InputRows != 20000 || !relClose(e.RowsPerSec, 20000/e.Wall, 1e-12) || !relClose(e.BytesPerSec, float64(e.InputBytes)/e.Wall, 1e-12) {
			t.Fatalf("%s: %d rows, %v rows/s, %v bytes/s over %v s", name, e.InputRows, e.RowsPerSec, e.BytesPerSec, e.Wall)
		}
		if !relClose(e.Cost, e.Wall*0.36/3600, 1e-12) {
			t.Fatalf("%s: cost %v for %v s at $0.36/h", name, e.Cost, e.Wall)
		}
		if name != "sluice-cpu" {
			peerWalls = append(peerWalls, e.Wall)
			if e.Agreement == nil || !e.Agreement.OK {
				t.Fatalf("%s: agreement %+v", name, e.Agreement)
			}
			if e.Version == "" || e.Method == "" || len(e.Phases) == 0 || len(e.Outcome.Fitted) != 5 {
				t.Fatalf("%s: version %q, method %q, phases %v, fitted %v", name, e.Version, e.Method, e.Phases, e.Outcome.Fitted)
			}
		}
	}
	sl := byEngine["sluice-cpu"]
	fastPeer := byEngine["duckdb"]
	if byEngine["polars"].Wall < fastPeer.Wall {
		fastPeer = byEngine["polars"]
	}
	fast := math.Min(peerWalls[0], peerWalls[1])
	if !relClose(sl.TimeVsPeer, sl.Wall/fast, 1e-12) || !relClose(sl.CPUVsPeer, sl.CPU/fastPeer.CPU, 1e-12) {
		t.Fatalf("wall, CPU vs faster peer %v, %v, want %v / %v, %v / %v", sl.TimeVsPeer, sl.CPUVsPeer, sl.Wall, fast, sl.CPU, fastPeer.CPU)
	}
	if sl.Outcome.Fitted["tripduration"].Mean == nil || len(sl.Outcome.Fitted["gender"].Vocab) == 0 {
		t.Fatalf("sluice fitted statistics %+v", sl.Outcome.Fitted)
	}
	// The outcome: every generated row is read; rows kept split 90/10.
	o := sl.Outcome
	if o == nil || o.Rows != o.Splits["train"]+o.Splits["eval"] || len(o.Groups["train"]) == 0 || len(o.Aggregates["stations"]) == 0 {
		t.Fatalf("sluice outcome %+v", o)
	}
	if len(sl.Stages) == 0 || sl.Stages[0].Kind != "scan" || sl.Stages[0].Rows != 20000 {
		t.Fatalf("sluice stages %+v", sl.Stages)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Agreement: every peer that ran agrees", "| citibike | sluice-cpu |", "| citibike | duckdb |", "| citibike | polars |",
		"| citibike | duckdb | v1.", "COPY", "1 scan", "chart.png"} {
		if !strings.Contains(string(md), want) {
			t.Fatalf("report.md lacks %q:\n%s", want, md)
		}
	}
	f, err := os.Open(filepath.Join(out, "chart.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() != chartW {
		t.Fatalf("chart.png: %v, bounds %v", err, img.Bounds())
	}
}
