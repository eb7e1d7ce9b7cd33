package input

import (
	"github.com/sluice-ml/sluice/internal/arrowtest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/citibike"
	"github.com/sluice-ml/sluice/jobspec"
)

// genRows returns generator rows as values, generated in pieces cut at cuts.
func genRows(t *testing.T, seed uint64, cuts []int64, mem memory.Allocator) [][]any {
	t.Helper()
	var rows [][]any
	for i := 0; i+1 < len(cuts); i++ {
		rec, err := citibike.Generate(seed, cuts[i], cuts[i+1], mem)
		if err != nil {
			t.Fatal(err)
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			row := make([]any, rec.NumCols())
			for c := range row {
				row[c] = arrowtest.Cell(t, rec.Column(c), r)
			}
			rows = append(rows, row)
		}
		rec.Release()
	}
	return rows
}

func TestGeneratedDataset(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	d, err := Open(jobspec.Input{Generate: &jobspec.Generate{Kind: "citibike", Rows: 1000, Seed: 3, Files: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Generated || len(d.Files) != 3 || d.Files[1].Path != "generate:citibike/part-00001" || d.Files[1].RelPath != d.Files[1].Path {
		t.Fatalf("files %+v", d.Files)
	}
	var total int64
	for i, task := range d.Tasks {
		if task.GenLo != total || task.Rows != task.GenHi-task.GenLo || task.Rows != d.Files[i].Rows || task.Rows < 333 {
			t.Fatalf("task %+v", task)
		}
		total = task.GenHi
	}
	if total != 1000 {
		t.Fatalf("tasks cover %d rows", total)
	}
	arrowtest.SameRows(t, readAll(t, d, ReadOptions{BatchRows: 100}, mem), genRows(t, 3, []int64{0, 1000}, mem))
	s := readTask(t, d, d.Tasks[1], ReadOptions{BatchRows: 100, Columns: []string{"trip_id", "gender"}}, mem)
	if s.firsts[0] != 0 || s.firsts[1] != 100 || s.rows[0][0] != d.Tasks[1].GenLo+1 {
		t.Fatalf("firsts %v first row %v", s.firsts, s.rows[0])
	}
	if _, err := Open(jobspec.Input{Generate: &jobspec.Generate{Kind: "taxi", Rows: 1}}); err == nil || !strings.Contains(err.Error(), "allowed: citibike") {
		t.Fatalf("unknown kind: %v", err)
	}
}

func TestWriteCitibike(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := filepath.Join(t.TempDir(), "out")
	if err := citibike.Write(dir, 2500, 2, 9); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !reflect.DeepEqual(names, []string{"part-00000.parquet", "part-00001.parquet"}) {
		t.Fatalf("files %v", names)
	}
	d, err := Open(jobspec.Input{Path: dir, Format: "parquet"})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Schema.Equal(citibike.Schema) || d.Files[0].Rows != 1250 {
		t.Fatalf("schema %s files %+v", d.Schema, d.Files)
	}
	arrowtest.SameRows(t, readAll(t, d, ReadOptions{}, mem), genRows(t, 9, []int64{0, 2500}, mem))
}
