package bind

import (
	"testing"

	"github.com/sluice-ml/sluice/input"
)

// The input's rows: the tasks' where known, the generator's ranges, and a
// file's size over unknownRowBytes (once per file) where not.
func TestInputRows(t *testing.T) {
	ds := &input.Dataset{
		Files: []input.File{{Size: 1000, Rows: 10}, {Size: 6400, Rows: -1}, {Rows: -1}},
		Tasks: []input.Task{
			{FileIndex: 0, Rows: 4}, {FileIndex: 0, Rows: 6},
			{FileIndex: 1, Rows: -1}, {FileIndex: 1, Rows: -1},
			{FileIndex: 2, Rows: -1, GenLo: 100, GenHi: 350},
		},
	}
	if got, want := inputRows(ds), int64(4+6+6400/unknownRowBytes+250); got != want {
		t.Fatalf("inputRows %d, want %d", got, want)
	}
}
