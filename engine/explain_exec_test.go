package engine

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/jobspec"
)

// explainedStage is one stage as EXPLAIN prints it: its header and the
// operators inside, in order (the Barrier line is the driver's, not an
// operator).
type explainedStage struct {
	header string   // "=== Stage 3 kind=split-boundaries"
	ops    []string // operator names
}

// explainedStages parses the stages section of EXPLAIN's text.
func explainedStages(t *testing.T, text string) []explainedStage {
	t.Helper()
	var out []explainedStage
	in := false
	for _, line := range strings.Split(text, "\n") {
		switch {
		case line == "== Stages ==":
			in = true
		case strings.HasPrefix(line, "== "):
			in = false
		case in && strings.HasPrefix(line, "=== Stage "):
			f := strings.Fields(line)
			out = append(out, explainedStage{header: strings.Join(f[:4], " ")})
		case in && strings.HasPrefix(line, "  ") && len(out) > 0:
			name := strings.Fields(line)[0]
			if name != "Barrier" {
				out[len(out)-1].ops = append(out[len(out)-1].ops, name)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no stages in EXPLAIN:\n%s", text)
	}
	return out
}

// The driver runs the plan: for every example and golden-shaped job, the
// stages executed (first passes, in order) and the operators their tasks
// ran (in order) are EXPLAIN's.
func TestExecutionIsExplain(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	example := func(name string, sets ...string) func() (string, []byte, []string) {
		return func() (string, []byte, []string) {
			path := filepath.Join(root, "examples", name)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			return path, data, sets
		}
	}
	inline := func(src string) func() (string, []byte, []string) {
		return func() (string, []byte, []string) { return "job.yaml", []byte(src), nil }
	}
	const tail = `output:
  path: OUT
  shards: 1
`
	jobs := map[string]func() (string, []byte, []string){
		"citibike example": example("citibike.yaml", "input.generate.rows=20000", "input.generate.files=3"),
		"flights example":  example("flights.yaml", "input.path="+filepath.Join(root, "data", "flights-3m.parquet")),
		// The shapes of the planner's golden jobs.
		"minimal": inline(`name: minimal
input:
  generate: {kind: citibike, rows: 5000, seed: 3, files: 3}
features:
  bikeid: {transform: identity, fill: {value: 0}}
  gender: {transform: hash, buckets: 16}
split:
  ratios: {train: 1}
` + tail),
		"no split": inline(`name: plain
input:
  generate: {kind: citibike, rows: 5000, seed: 3, files: 2}
features:
  tripduration: {transform: minmax, fill: mean}
  usertype: {transform: onehot, fill: mode}
keep: [trip_id]
split:
  ratios: {train: 1}
` + tail),
		"prune": inline(`name: prune
input:
  generate: {kind: citibike, rows: 8000, seed: 3, files: 2}
filter: tripduration <= 3600 and age < 80 and usertype == 'Subscriber'
columns:
  age: 2020 - birth_year
features:
  tripduration: {transform: zscore}
label:
  birth_year: {fill: drop}
split:
  key: trip_id
  by: start_station_name
  ratios: {train: 0.8, eval: 0.2}
  seed: 42
output:
  path: OUT
  shards: 3
`),
	}
	for name, load := range jobs {
		t.Run(name, func(t *testing.T) {
			file, data, sets := load()
			out := filepath.Join(t.TempDir(), "out")
			sets = append(sets, "output.path="+out)
			job, err := jobspec.Parse(file, []byte(strings.ReplaceAll(string(data), "OUT", out)), sets)
			if err != nil {
				t.Fatal(err)
			}
			text, err := Explain(job, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := explainedStages(t, text)
			res, err := Run(context.Background(), job, Options{Local: 2, WorkDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			var got []explainedStage
			for _, s := range res.Stages {
				if s.Pass == 1 {
					got = append(got, explainedStage{header: "=== Stage " + strconv.Itoa(s.ID) + " kind=" + s.Kind, ops: s.Operators})
				}
			}
			if len(got) != len(want) {
				t.Fatalf("executed %d stages, EXPLAIN has %d:\n%v\n%v", len(got), len(want), got, want)
			}
			for i := range want {
				if got[i].header != want[i].header || !slices.Equal(got[i].ops, want[i].ops) {
					t.Errorf("executed %s %v, EXPLAIN %s %v", got[i].header, got[i].ops, want[i].header, want[i].ops)
				}
			}
		})
	}
}
