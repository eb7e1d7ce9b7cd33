package cli

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluice-ml/sluice/sink"
)

// goodJob filters, drops null labels, splits 0.8/0.2 into 2 shards each
// and computes one aggregate table.
const goodJob = `name: small
input:
  path: %DATA%
  format: parquet
filter: tripduration >= 60 and tripduration < 86400
features:
  tripduration: {transform: zscore, fill: median}
  gender: {transform: onehot}
label:
  birth_year: {fill: drop}
split:
  ratios: {train: 0.8, eval: 0.2}
  seed: 1
aggregates:
  users:
    by: [usertype]
    compute: {trips: count()}
output:
  path: %OUT%
  shards: 2
`

// wantCounts are the row counters of goodJob on the Parquet files in dir,
// computed from the files with pqarrow, independently of the engine.
type wantCounts struct{ read, filtered, dropped, written int64 }

func countRows(t *testing.T, dir string) wantCounts {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	files, err := filepath.Glob(filepath.Join(dir, "*.parquet"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no parquet files in %s (%v)", dir, err)
	}
	var c wantCounts
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := pqarrow.ReadTable(context.Background(), f, parquet.NewReaderProperties(mem), pqarrow.ArrowReadProperties{}, mem)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		dur := int64Column(t, tbl, "tripduration")
		by := int64Column(t, tbl, "birth_year")
		for i := range dur {
			c.read++
			switch {
			case dur[i] == nil || *dur[i] < 60 || *dur[i] >= 86400:
				c.filtered++
			case by[i] == nil:
				c.dropped++
			default:
				c.written++
			}
		}
		tbl.Release()
	}
	return c
}

// int64Column returns the values of an int64 column, nil for a null.
func int64Column(t *testing.T, tbl arrow.Table, name string) []*int64 {
	t.Helper()
	idx := tbl.Schema().FieldIndices(name)
	if len(idx) != 1 {
		t.Fatalf("no column %s", name)
	}
	var out []*int64
	for _, ch := range tbl.Column(idx[0]).Data().Chunks() {
		a, ok := ch.(*array.Int64)
		if !ok {
			t.Fatalf("column %s is %s, want int64", name, ch.DataType())
		}
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				out = append(out, nil)
				continue
			}
			v := a.Value(i)
			out = append(out, &v)
		}
	}
	return out
}

// splitCounts is largest-remainder rounding of n rows over ratios.
func splitCounts(n int64, ratios []float64) []int64 {
	counts := make([]int64, len(ratios))
	rem := make([]float64, len(ratios))
	left := n
	for i, r := range ratios {
		x := r * float64(n)
		counts[i] = int64(x)
		rem[i] = x - float64(counts[i])
		left -= counts[i]
	}
	for ; left > 0; left-- {
		best := 0
		for i := range rem {
			if rem[i] > rem[best] {
				best = i
			}
		}
		counts[best]++
		rem[best] = -1
	}
	return counts
}

func TestSubmitSummaryAndManifest(t *testing.T) {
	dir := t.TempDir()
	data, out, work := filepath.Join(dir, "data"), filepath.Join(dir, "out", "small"), filepath.Join(dir, "work")
	genData(t, data, 3000, 1)
	want := countRows(t, data)
	if want.filtered+want.dropped == 0 {
		t.Fatal("test data should exercise the filter and the label drop")
	}
	job := writeJob(t, dir, goodJob, map[string]string{"DATA": data, "OUT": out})

	// Flags after the job file.
	code, stdout, stderr := drive(t, "submit", job, "--local", "2", "--work-dir", work)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, w := range []string{"stage", "tasks", "rows", "scan", "aggregate", "split-boundaries", "fit", "shard-write",
		"rows: read 3000, filtered " + itoa(int(want.filtered)) + ", dropped " + itoa(int(want.dropped)) + ", written " + itoa(int(want.written)),
		"output " + out} {
		if !strings.Contains(stdout, w) {
			t.Errorf("summary lacks %q:\n%s", w, stdout)
		}
	}
	// The scan stage row reads every input row.
	if !summaryHasStage(stdout, "scan", "3000") {
		t.Errorf("summary has no scan row with 3000 rows:\n%s", stdout)
	}
	if !strings.Contains(stderr, "stage 1 scan") {
		t.Errorf("no progress lines on stderr:\n%s", stderr)
	}

	m, _ := readManifest(t, out)
	if m.Job.Name != "small" || m.Input.Format != "parquet" {
		t.Errorf("manifest job %q, format %q", m.Job.Name, m.Input.Format)
	}
	got := wantCounts{m.Rows.Read, m.Rows.Filtered, m.Rows.Dropped, m.Rows.Written}
	if got != want {
		t.Errorf("manifest rows %+v, want %+v", got, want)
	}
	wantSplit := splitCounts(want.written, []float64{0.8, 0.2})
	if len(m.Splits) != 2 {
		t.Fatalf("splits: %+v", m.Splits)
	}
	for i, s := range m.Splits {
		if s.Name != []string{"train", "eval"}[i] || s.Rows != wantSplit[i] || len(s.Shards) != 2 {
			t.Errorf("split %d: %s %d rows in %d shards, want %d rows in 2", i, s.Name, s.Rows, len(s.Shards), wantSplit[i])
			continue
		}
		a, b := s.Shards[0].Rows, s.Shards[1].Rows
		if a+b != s.Rows || a-b > 1 || b-a > 1 {
			t.Errorf("split %s shards %d + %d rows", s.Name, a, b)
		}
		for _, sh := range s.Shards {
			if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(sh.Path))); err != nil {
				t.Errorf("shard: %v", err)
			}
		}
		if !strings.Contains(stdout, "split "+s.Name) {
			t.Errorf("summary lacks split %s", s.Name)
		}
	}
	assertNoLeftovers(t, out, work)
}

// summaryHasStage reports whether the summary table has a row for stage
// kind whose rows column is rows.
func summaryHasStage(summary, kind, rows string) bool {
	for _, line := range strings.Split(summary, "\n") {
		f := strings.Fields(line)
		// id stage tasks rows bytes(2 fields) wall
		if len(f) >= 4 && f[1] == kind && f[3] == rows {
			return true
		}
	}
	return false
}

func TestExistingOutput(t *testing.T) {
	dir := t.TempDir()
	data, out, work := filepath.Join(dir, "data"), filepath.Join(dir, "out", "small"), filepath.Join(dir, "work")
	genData(t, data, 2000, 1)
	job := writeJob(t, dir, goodJob, map[string]string{"DATA": data, "OUT": out})
	if code, _, stderr := drive(t, "submit", job, "--local", "2", "--quiet", "--work-dir", work); code != ExitOK {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	before := listTree(t, out)
	_, manBefore := readManifest(t, out)

	// Refused without overwrite; the old output is untouched.
	code, stdout, stderr := drive(t, "submit", job, "--local", "2", "--quiet", "--work-dir", work, "--set", "split.seed=7")
	if code != ExitUsage {
		t.Errorf("existing output: exit %d, want %d", code, ExitUsage)
	}
	for _, w := range []string{job + ":", "output.path", out + " already exists", "--set output.overwrite=true"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q: %s", w, stderr)
		}
	}
	if stdout != "" {
		t.Errorf("stdout: %q", stdout)
	}
	if after := listTree(t, out); !slices.Equal(before, after) {
		t.Errorf("old output changed:\n%v\n%v", before, after)
	}
	if _, man := readManifest(t, out); string(man) != string(manBefore) {
		t.Error("old manifest changed")
	}
	assertNoLeftovers(t, out, work)

	// Replaced with overwrite: the new manifest has the new seed.
	code, _, stderr = drive(t, "submit", job, "--local", "2", "--quiet", "--work-dir", work, "--set", "split.seed=7", "--set", "output.overwrite=true")
	if code != ExitOK {
		t.Fatalf("overwrite: exit %d: %s", code, stderr)
	}
	m, man := readManifest(t, out)
	if m.Split.Seed != 7 || string(man) == string(manBefore) {
		t.Errorf("output not replaced: split seed %d", m.Split.Seed)
	}
	assertNoLeftovers(t, out, work)
}

func TestExplain(t *testing.T) {
	dir := t.TempDir()
	data, out := filepath.Join(dir, "data"), filepath.Join(dir, "out", "small")
	genData(t, data, 1000, 1)
	job := writeJob(t, dir, goodJob, map[string]string{"DATA": data, "OUT": out})
	code, stdout, stderr := drive(t, "explain", job)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, w := range []string{"== Logical plan ==", "== Optimized plan ==", "== Stages ==",
		"kind=scan", "kind=aggregate", "kind=split-boundaries", "kind=fit", "kind=shard-write", "Transform features=",
		"Filter predicate=", "engine=cpu"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("explain lacks %q:\n%s", w, stdout)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("explain wrote output (%v)", err)
	}
}

func TestEngineGPUFallsBackToCPU(t *testing.T) {
	if hasGPU() {
		t.Skip("this machine has an NVIDIA driver")
	}
	dir := t.TempDir()
	data, out, work := filepath.Join(dir, "data"), filepath.Join(dir, "out", "small"), filepath.Join(dir, "work")
	genData(t, data, 1000, 1)
	job := writeJob(t, dir, goodJob, map[string]string{"DATA": data, "OUT": out})
	code, stdout, stderr := drive(t, "explain", "--engine", "gpu", job)
	if code != ExitOK {
		t.Fatalf("explain: exit %d: %s", code, stderr)
	}
	for _, w := range []string{"== Fallbacks (policy=allow) ==", "Scan format=parquet", "engine=cpu reason=gpu: no NVIDIA driver"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("explain --engine gpu lacks %q:\n%s", w, stdout)
		}
	}
	code, _, stderr = drive(t, "submit", job, "--engine", "gpu", "--local", "2", "--quiet", "--work-dir", work)
	if code != ExitOK {
		t.Fatalf("submit --engine gpu: exit %d: %s", code, stderr)
	}
	_, man := readManifest(t, out)
	if !strings.Contains(string(man), "no NVIDIA driver") {
		t.Error("manifest does not record the CPU fallback")
	}
	assertNoLeftovers(t, out, work)
}

func TestGenFilesReadBySubmit(t *testing.T) {
	dir := t.TempDir()
	data, out, work := filepath.Join(dir, "data"), filepath.Join(dir, "out", "small"), filepath.Join(dir, "work")
	code, stdout, stderr := drive(t, "gen", "citibike", "--rows", "1000", "--out", data, "--files", "2", "--seed", "3")
	if code != ExitOK || !strings.Contains(stdout, "wrote 1000 rows in 2 files to "+data) {
		t.Fatalf("gen: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	ents, err := os.ReadDir(data)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"part-00000.parquet", "part-00001.parquet"}) {
		t.Fatalf("gen wrote %v", names)
	}
	want := countRows(t, data)
	if want.read != 1000 {
		t.Fatalf("the files hold %d rows, want 1000", want.read)
	}
	job := writeJob(t, dir, goodJob, map[string]string{"DATA": data, "OUT": out})
	if code, _, stderr := drive(t, "submit", job, "--local", "2", "--quiet", "--work-dir", work); code != ExitOK {
		t.Fatalf("submit: exit %d: %s", code, stderr)
	}
	m, _ := readManifest(t, out)
	var fileRows int64
	for _, f := range m.Input.Files {
		fileRows += f.Rows
	}
	if len(m.Input.Files) != 2 || fileRows != 1000 || m.Rows.Read != 1000 || m.Rows.Written != want.written {
		t.Errorf("manifest: %d files with %d rows, read %d, written %d (want 2, 1000, 1000, %d)",
			len(m.Input.Files), fileRows, m.Rows.Read, m.Rows.Written, want.written)
	}
}

// The README's first command writes to a relative output path (the
// example's out/citibike): it resolves against the working directory,
// as the shards' manifest and the files on disk show.
func TestSubmitRelativeOutput(t *testing.T) {
	job, err := filepath.Abs("../examples/citibike.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	code, _, stderr := drive(t, "submit", job, "--quiet", "--local", "2",
		"--set", "input.generate.rows=5000", "--set", "output.path=out/rel", "--set", "output.shards=2")
	if code != ExitOK {
		t.Fatalf("submit with a relative output path: exit %d: %s", code, stderr)
	}
	if err := sink.Verify(filepath.Join(dir, "out", "rel")); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "out")); len(ents) != 1 {
		t.Errorf("out/ holds %d entries, want only rel (no temporary directory left)", len(ents))
	}
}
