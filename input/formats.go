package input

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/arrowscan"
	"github.com/sluice-ml/sluice/input/canonical"
	"github.com/sluice-ml/sluice/input/csvscan"
	"github.com/sluice-ml/sluice/input/parquetscan"
)

// filePaths returns the paths of files, in order.
func filePaths(files []File) []string {
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.Path
	}
	return paths
}

// openCSV infers the schema from every file's first rows and makes one
// task per file.
func openCSV(d *Dataset) error {
	s, err := csvscan.Schema(filePaths(d.Files), d.Input.CSV)
	if err != nil {
		return err
	}
	d.Schema = s
	for fi := range d.Files {
		d.Tasks = append(d.Tasks, Task{FileIndex: fi, Rows: -1})
	}
	return nil
}

// newCSVReader reads a CSV task: its whole file.
func newCSVReader(ctx context.Context, d *Dataset, t Task, cols []int, opt ReadOptions, mem memory.Allocator) (Reader, error) {
	r, err := csvscan.NewReader(ctx, d.Files[t.FileIndex].Path, d.Input.CSV, d.Schema, cols, opt.BatchRows, mem)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// targetTaskRows is the size up to which consecutive small Parquet row
// groups are merged into one task.
const targetTaskRows = 1 << 20

// openParquet reads every file's footer, checks the schemas agree and cuts
// tasks: one per row group, merging consecutive small row groups up to
// targetTaskRows.
func openParquet(d *Dataset) error {
	var firstPath string
	for fi := range d.Files {
		fl := &d.Files[fi]
		cs, rows, counts, err := parquetscan.Describe(fl.Path)
		if err != nil {
			return err
		}
		if d.Schema == nil {
			d.Schema, firstPath = cs, fl.Path
		} else if err := canonical.SameSchema(firstPath, d.Schema, fl.Path, cs); err != nil {
			return err
		}
		fl.Rows = rows
		for _, t := range cutRowGroups(counts, targetTaskRows) {
			t.FileIndex = fi
			d.Tasks = append(d.Tasks, t)
		}
	}
	return nil
}

// cutRowGroups groups consecutive row groups (row counts given) into tasks
// of at most target rows; a row group larger than target is a task alone.
func cutRowGroups(counts []int64, target int64) []Task {
	var tasks []Task
	var off int64
	for rg, n := range counts {
		if len(tasks) == 0 || tasks[len(tasks)-1].Rows+n > target {
			tasks = append(tasks, Task{RowOffset: off})
		}
		t := &tasks[len(tasks)-1]
		t.RowGroups = append(t.RowGroups, rg)
		t.Rows += n
		off += n
	}
	return tasks
}

// newParquetReader reads a Parquet task: its row groups, pruned.
func newParquetReader(ctx context.Context, d *Dataset, t Task, cols []int, opt ReadOptions, mem memory.Allocator) (Reader, error) {
	r, err := parquetscan.NewReader(ctx, d.Files[t.FileIndex].Path, d.Schema, cols, t.RowGroups, opt.Prune, opt.BatchRows, mem)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// openArrow reads each file's schema and makes one task per file.
func openArrow(d *Dataset) error {
	var firstPath string
	for fi, fl := range d.Files {
		cs, err := arrowscan.Schema(fl.Path)
		if err != nil {
			return err
		}
		if d.Schema == nil {
			d.Schema, firstPath = cs, fl.Path
		} else if err := canonical.SameSchema(firstPath, d.Schema, fl.Path, cs); err != nil {
			return err
		}
		d.Tasks = append(d.Tasks, Task{FileIndex: fi, Rows: -1})
	}
	return nil
}

// newArrowReader reads an Arrow IPC task: its whole file.
func newArrowReader(ctx context.Context, d *Dataset, t Task, cols []int, opt ReadOptions, mem memory.Allocator) (Reader, error) {
	r, err := arrowscan.NewReader(ctx, d.Files[t.FileIndex].Path, d.Schema, cols, opt.BatchRows, mem)
	if err != nil {
		return nil, err
	}
	return r, nil
}
