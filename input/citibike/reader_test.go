package citibike

import (
	"context"
	"github.com/sluice-ml/sluice/internal/arrowtest"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestReaderBatches reads a range in odd batches with a column subset and
// checks every row against Generate of the whole range.
func TestReaderBatches(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	all := genRows(t, 5, []int64{40, 1041}, mem)
	cols := []int{0, 4, 8}
	r := NewReader(context.Background(), 5, 40, 1041, cols, 97, mem)
	var got [][]any
	var want int64
	for {
		b, first, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			break
		}
		if first != want || int(b.NumCols()) != len(cols) || b.NumRows() > 97 {
			t.Fatalf("batch at %d: first %d, %d columns, %d rows", want, first, b.NumCols(), b.NumRows())
		}
		for i := 0; i < int(b.NumRows()); i++ {
			row := make([]any, len(cols))
			for c := range cols {
				row[c] = arrowtest.Cell(t, b.Column(c), i)
			}
			got = append(got, row)
		}
		want += b.NumRows()
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, _, err := r.Next(); err == nil {
		t.Fatal("Next after Close succeeded")
	}
	proj := make([][]any, len(all))
	for i, row := range all {
		proj[i] = []any{row[0], row[4], row[8]}
	}
	arrowtest.SameRows(t, got, proj)
}
