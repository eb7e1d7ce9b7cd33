package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/jobspec"
)

// A split.by column that is null in every row gives a warning (in the
// progress lines and the summary); one with values does not.
func TestAllNullSplitByWarns(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,x,g\n")
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, "%d,%d,\n", i, i%7)
	}
	data := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(data, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(by string) (string, string) {
		src := "name: nulls\ninput:\n  path: " + data + "\n  csv: {types: {g: string}}\nkeep: [id]\nsplit:\n  by: " + by +
			"\n  ratios: {train: 0.5, eval: 0.5}\noutput:\n  path: " + filepath.Join(dir, "out-"+by) + "\n"
		job, err := jobspec.Parse("nulls.yaml", []byte(src), nil)
		if err != nil {
			t.Fatal(err)
		}
		var prog syncBuffer
		res, err := Run(context.Background(), job, Options{Local: 1, WorkDir: dir, Progress: &prog})
		if err != nil {
			t.Fatal(err)
		}
		var sum strings.Builder
		res.Summary(&sum)
		return prog.String(), sum.String()
	}
	prog, sum := run("g")
	want := "warning: split.by: g is null in every row, so the split is not stratified (all 200 rows are one group)"
	if !strings.Contains(prog, want) || !strings.Contains(sum, want) {
		t.Errorf("no warning for an all-null split.by column:\nprogress:\n%s\nsummary:\n%s", prog, sum)
	}
	if prog, sum := run("x"); strings.Contains(prog+sum, "warning") {
		t.Errorf("a warning for a split.by column with values:\n%s\n%s", prog, sum)
	}
}
