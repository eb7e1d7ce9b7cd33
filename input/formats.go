package input

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/csvscan"
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
