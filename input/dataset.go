package input

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/parquetscan"
	"github.com/sluice-ml/sluice/input/prune"
	"github.com/sluice-ml/sluice/vocab"
)

// Format names.
const (
	FormatParquet = "parquet"
	FormatCSV     = "csv"
	FormatArrow   = "arrow"
	// FormatGenerate is the Format of a generated dataset.
	FormatGenerate = "generate"
)

// DefaultBatchRows is the batch size used when ReadOptions.BatchRows is 0.
const DefaultBatchRows = 65536

// File is one input file (or one pseudo file of a generated dataset).
type File struct {
	Path    string // path as opened (as listed from input.path)
	RelPath string // path relative to the input root, with '/' separators; the file part of the row key
	Size    int64  // bytes; 0 for generated files
	Rows    int64  // -1 if unknown before reading (CSV, Arrow IPC)
}

// Task is one unit of scan work: some rows of one file.
type Task struct {
	Index     int   // position in Dataset.Tasks
	FileIndex int   // index into Dataset.Files
	RowGroups []int // Parquet row groups, ascending and consecutive; nil for other formats
	RowOffset int64 // row number in the file of the task's first row
	Rows      int64 // -1 if unknown
	GenLo     int64 // generated datasets: global generator rows [GenLo, GenHi)
	GenHi     int64
}

// Dataset is an opened input: its files, canonical schema and scan tasks.
// Read depends only on the exported fields, so a Dataset rebuilt from them
// (e.g. on an executor) reads the same rows.
type Dataset struct {
	Format    string        // parquet | csv | arrow | generate
	Schema    *arrow.Schema // canonical types, every field nullable
	Files     []File        // sorted by Path
	Tasks     []Task
	Generated bool
	Input     vocab.Input // the input section it was opened from (CSV options, generator seed)
}

// ReadOptions say which columns and rows a Read needs.
type ReadOptions struct {
	Columns   []string      // nil = all; the batch keeps the order of the schema
	BatchRows int           // rows per batch at most; 0 = DefaultBatchRows
	Prune     []prune.Range // rows outside every range may be skipped (AND)
}

// Reader yields a task's rows as batches in canonical types.
//
// Next returns the next batch and the row number within the file of its
// first row; the batch is borrowed until the next Next or Close. At the end
// it returns a nil batch and a nil error. Close is idempotent.
type Reader interface {
	Next() (batch arrow.RecordBatch, firstRow int64, err error)
	Close() error
}

// Stats returns the Parquet row groups a Reader returned by Dataset.Read
// has read and skipped by pruning so far; zero for any other Reader.
func Stats(r Reader) prune.Stats {
	if p, ok := r.(*parquetscan.Reader); ok {
		return p.Stats()
	}
	return prune.Stats{}
}

// Open lists the input's files, reads their footers or headers for the
// schema (every file must agree) and cuts scan tasks.
func Open(in vocab.Input) (*Dataset, error) {
	if in.Generate != nil {
		return openGenerated(in)
	}
	if in.Path == "" {
		return nil, errors.New("input.path: empty (give a file, a directory or a glob, or input.generate)")
	}
	format := in.Format
	if format == "" {
		format = formatFromExt(in.Path)
		if format == "" {
			return nil, fmt.Errorf("input.format: cannot tell the format of %q from its extension (allowed: parquet, csv, arrow)", in.Path)
		}
	}
	switch format {
	case FormatParquet, FormatCSV, FormatArrow:
	default:
		return nil, fmt.Errorf("input.format: unknown format %q (allowed: parquet, csv, arrow)", format)
	}
	files, err := listFiles(in.Path, format)
	if err != nil {
		return nil, err
	}
	d := &Dataset{Format: format, Files: files, Input: in}
	switch format {
	case FormatParquet:
		err = openParquet(d)
	case FormatCSV:
		err = openCSV(d)
	case FormatArrow:
		err = openArrow(d)
	}
	if err != nil {
		return nil, err
	}
	for i := range d.Tasks {
		d.Tasks[i].Index = i
	}
	return d, nil
}

// Read opens a reader over task t's rows. mem is charged with every batch.
func (d *Dataset) Read(ctx context.Context, t Task, opt ReadOptions, mem memory.Allocator) (Reader, error) {
	if opt.BatchRows < 0 {
		return nil, fmt.Errorf("input: ReadOptions.BatchRows must be >= 0 (got %d)", opt.BatchRows)
	}
	if opt.BatchRows == 0 {
		opt.BatchRows = DefaultBatchRows
	}
	if d.Schema == nil {
		return nil, errors.New("input: dataset has no schema (use Open)")
	}
	if !d.Generated && (t.FileIndex < 0 || t.FileIndex >= len(d.Files)) {
		return nil, fmt.Errorf("input: task %d: file index %d out of range (%d files)", t.Index, t.FileIndex, len(d.Files))
	}
	cols, err := d.projection(opt.Columns)
	if err != nil {
		return nil, err
	}
	if err := d.checkRanges(opt.Prune); err != nil {
		return nil, err
	}
	switch d.Format {
	case FormatParquet:
		return newParquetReader(ctx, d, t, cols, opt, mem)
	case FormatCSV:
		return newCSVReader(ctx, d, t, cols, opt, mem)
	case FormatArrow:
		return newArrowReader(ctx, d, t, cols, opt, mem)
	case FormatGenerate:
		return newGenReader(ctx, d, t, cols, opt, mem)
	}
	return nil, fmt.Errorf("input: unknown dataset format %q", d.Format)
}

// projection returns the schema indices of the wanted columns, in schema order.
func (d *Dataset) projection(names []string) ([]int, error) {
	if names == nil {
		idx := make([]int, d.Schema.NumFields())
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	want := make([]bool, d.Schema.NumFields())
	for _, n := range names {
		i := d.Schema.FieldIndices(n)
		if len(i) == 0 {
			return nil, fmt.Errorf("input: no column %q (columns: %s)", n, columnList(d.Schema))
		}
		want[i[0]] = true
	}
	var idx []int
	for i, w := range want {
		if w {
			idx = append(idx, i)
		}
	}
	return idx, nil
}

// checkRanges validates prune ranges against the schema.
func (d *Dataset) checkRanges(rs []prune.Range) error {
	for _, r := range rs {
		i := d.Schema.FieldIndices(r.Column)
		if len(i) == 0 {
			return fmt.Errorf("input: prune range: no column %q (columns: %s)", r.Column, columnList(d.Schema))
		}
		switch d.Schema.Field(i[0]).Type.ID() {
		case arrow.INT64, arrow.FLOAT64, arrow.TIMESTAMP:
		default:
			return fmt.Errorf("input: prune range on column %q of type %s (allowed: int64, float64, timestamp)", r.Column, d.Schema.Field(i[0]).Type)
		}
		if r.Lo != r.Lo || r.Hi != r.Hi {
			return fmt.Errorf("input: prune range on column %q: NaN bound", r.Column)
		}
	}
	return nil
}

func columnList(s *arrow.Schema) string {
	names := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}
