package engine

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/engine/runreport"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/task/expect"
)

// expectCSV: by hand, dur has a null (row 3) and two values outside
// [60, 86400] (rows 2 and 5); id 2 repeats (rows 2 and 5); g has "Mle"
// (row 3); by is null in rows 2 and 4 (2/5 = 0.4 > 0.1); dur2 = dur*2 is
// outside [0, 1000] in row 5 only (row 4: 400); 5 rows < 10. The filter
// (dur > 60) keeps rows 1, 4 and 5, but the rules see all 5 rows read.
const expectCSV = "id,dur,g,by\n1,100,Male,1980\n2,50,Female,\n3,,Mle,1990\n4,200,Male,\n2,90000,Unknown,1970\n"

const expectJob = `name: t
input: {path: IN}
columns:
  dur2: dur * 2
filter: dur > 60
keep: [id, dur]
output: {path: OUT}
expect:
  dur: {not_null: true, between: [60, 86400]}
  id: {unique: true}
  g: {in: [Male, Female, Unknown]}
  by: {null_fraction_max: 0.1}
  dur2: {between: [0, 1000]}
  rows: {min: 10}
`

func expectInput(t *testing.T) (string, string) {
	dir := t.TempDir()
	in := filepath.Join(dir, "a.csv")
	if err := os.WriteFile(in, []byte(expectCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	return in, filepath.Join(dir, "out")
}

func expectRun(t *testing.T, src string, sets []string, opt Options) (*runreport.Result, error) {
	t.Helper()
	job, err := jobspec.Parse("job.yaml", []byte(src), sets)
	if err != nil {
		t.Fatal(err)
	}
	opt.WorkDir = t.TempDir()
	return Run(context.Background(), job, opt)
}

func TestExpectHandComputed(t *testing.T) {
	in, out := expectInput(t)
	src := strings.NewReplacer("IN", in, "OUT", out).Replace(expectJob)
	_, err := expectRun(t, src, nil, Options{Local: 2})
	var xe *runreport.ExpectError
	if !errors.As(err, &xe) {
		t.Fatalf("want an *ExpectError, got %v", err)
	}
	if _, serr := os.Stat(out); !os.IsNotExist(serr) {
		t.Errorf("a failed expectation left %s behind (%v)", out, serr)
	}
	if m, _ := filepath.Glob(out + "*"); len(m) > 0 {
		t.Errorf("a failed expectation left %v behind", m)
	}
	type ex struct {
		row int64
		val string
	}
	want := []struct {
		col, rule  string
		violations int64
		examples   []ex
	}{
		{"dur", "not_null", 1, []ex{{3, "null"}}},
		{"dur", "between", 2, []ex{{2, "50"}, {5, "90000"}}},
		{"id", "unique", 2, []ex{{2, "2"}, {5, "2"}}},
		{"g", "in", 1, []ex{{3, `"Mle"`}}},
		{"by", "null_fraction_max", 2, []ex{{2, "null"}, {4, "null"}}},
		{"dur2", "between", 1, []ex{{5, "180000"}}},
		{"", "rows_min", 0, nil},
	}
	got := xe.Result
	if got.Rows != 5 || got.Passed || len(got.Rules) != len(want) {
		t.Fatalf("result %+v", got)
	}
	for i, w := range want {
		r := got.Rules[i]
		var exs []ex
		for _, e := range r.Examples {
			if e.File != in {
				t.Errorf("%s %s: example file %q", w.col, w.rule, e.File)
			}
			exs = append(exs, ex{e.Row, e.Value})
		}
		if r.Column != w.col || r.Rule != w.rule || r.Violations != w.violations || r.Passed || !reflect.DeepEqual(exs, w.examples) {
			t.Errorf("rule %d: got %+v (examples %v), want %+v", i, r, exs, w)
		}
	}
	msg := err.Error()
	for _, frag := range []string{
		"job.yaml:8: expect: 7 of 7 rules failed on 5 rows read; no output was written",
		"\n  dur between [60, 86400]: 2 violating rows, e.g. 50 (" + in + " row 2); 90000 (" + in + " row 5)",
		"\n  id unique: 2 violating rows, e.g. 2 (" + in + " row 2); 2 (" + in + " row 5)",
		"\n  g in [Male, Female, Unknown]: 1 violating row, e.g. \"Mle\" (" + in + " row 3)",
		"\n  by null_fraction_max 0.1: 2 of 5 rows null (fraction 0.4)",
		"\n  rows min 10: the input has 5 rows",
	} {
		if !strings.Contains(msg, frag) {
			t.Errorf("message lacks %q:\n%s", frag, msg)
		}
	}

	// Under warn the job finishes; the manifest and the warnings list the
	// same failures.
	res, err := expectRun(t, src, []string{"expect.on_fail=warn"}, Options{Local: 2})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest.Expectations
	if m == nil || m.OnFail != "warn" || !reflect.DeepEqual(m.Rules, got.Rules) {
		t.Fatalf("warn manifest %+v, error result %+v", m, got)
	}
	if len(res.Warnings) != 7 || !strings.HasPrefix(res.Warnings[2], "expect: id unique: 2 violating rows") {
		t.Errorf("warnings %q", res.Warnings)
	}
	if res.Manifest.Rows.Read != 5 || res.Manifest.Rows.Written != 3 {
		t.Errorf("rows %+v", res.Manifest.Rows)
	}

	// Rules that hold pass and are recorded as passed, without examples.
	ok := strings.NewReplacer("IN", in, "OUT", out+"2").Replace(`name: t
input: {path: IN}
keep: [id]
output: {path: OUT}
expect:
  g: {not_null: true}
  dur: {between: [0, 100000]}
  by: {null_fraction_max: 0.4}
  rows: {min: 5, max: 5}
`)
	res, err = expectRun(t, ok, nil, Options{Local: 1})
	if err != nil {
		t.Fatal(err)
	}
	m = res.Manifest.Expectations
	if !m.Passed || len(m.Rules) != 5 {
		t.Fatalf("passing rules %+v", m)
	}
	for _, r := range m.Rules {
		if !r.Passed || len(r.Examples) != 0 {
			t.Errorf("rule %+v", r)
		}
	}
}

// uniqueJob has one unique rule that holds (trip_id) and one that does not
// (bikeid): the unique stage must count the same with any hash and any
// sort budget.
const uniqueJob = `name: u
input:
  generate: {kind: citibike, rows: 20000, seed: 5, files: 3}
filter: tripduration < 3000
features:
  tripduration: {transform: zscore}
label: birth_year
split: {ratios: {train: 0.8, eval: 0.2}, seed: 3}
output: {path: OUT, shards: 2}
expect:
  trip_id: {unique: true}
  bikeid: {unique: true, not_null: true}
  start_station_name: {unique: true}
  tripduration: {between: [60, 2000]}
  gender: {in: [Male, Female]}
  birth_year: {null_fraction_max: 0.01}
  on_fail: warn
`

// TestExpectUniqueCollisionsAndSpill: the manifest is byte-identical
// across layouts and batch sizes, the emulated GPU engine records the same
// expectations, and a weak hash with a tiny sort budget changes nothing.
func TestExpectUniqueCollisionsAndSpill(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "out") // one path: the job's sha256 covers it
	run := func(name string, opt Options) (*sink.Manifest, []byte) {
		res, err := expectRun(t, strings.ReplaceAll(uniqueJob, "OUT", out), nil, opt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := os.Rename(out, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(root, name, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = sink.StripRun(b); err != nil { // the run's id and times differ
			t.Fatal(err)
		}
		return res.Manifest, b
	}
	ref, refBytes := run("local2", Options{Local: 2})
	x := ref.Expectations
	if x.Passed || x.Rules[0].Rule != "unique" || !x.Rules[0].Passed || x.Rules[0].Violations != 0 {
		t.Fatalf("trip_id is unique: %+v", x.Rules[0])
	}
	if x.Rules[1].Passed || x.Rules[1].Violations == 0 || len(x.Rules[1].Examples) != 5 {
		t.Fatalf("bikeid repeats: %+v", x.Rules[1])
	}
	// Byte-identical manifests across layouts and batch sizes.
	for _, c := range []struct {
		name string
		opt  Options
	}{{"local1", Options{Local: 1}}, {"local4", Options{Local: 4}}, {"local3-batch777", Options{Local: 3, Slots: 2, BatchRows: 777}}} {
		if _, b := run(c.name, c.opt); string(b) != string(refBytes) {
			t.Errorf("%s: manifest differs from Local 2's", c.name)
		}
	}
	// The emulated GPU engine: the expectations are the CPU's.
	gm, _ := run("gpu-emulated", Options{Local: 2, Engine: "gpu-emulated"})
	a, _ := json.Marshal(gm.Expectations)
	b, _ := json.Marshal(x)
	if string(a) != string(b) {
		t.Errorf("gpu-emulated expectations differ:\n%s\n%s", a, b)
	}

	// A hash with 3 values makes almost every pair of values collide, and
	// a 4 KiB sort budget spills many runs: the counts and examples must
	// not change (trip_id stays unique).
	old := expect.Hash
	expect.Hash = func(b []byte) uint64 { return uint64(len(b) % 3) }
	defer func() { expect.Hash = old }()
	t.Setenv("SLUICE_EXPECT_SORT_BYTES", "4096")
	weak, _ := run("weak-hash-spill", Options{Local: 2})
	a, _ = json.Marshal(weak.Expectations)
	if string(a) != string(b) {
		t.Errorf("weak hash and spilling changed the result:\n%s\n%s", a, b)
	}
}
