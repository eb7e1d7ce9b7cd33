package parquetscan

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluice-ml/sluice/input/canonical"
	"github.com/sluice-ml/sluice/input/guard"
	"github.com/sluice-ml/sluice/input/prune"
	"github.com/sluice-ml/sluice/storage"
)

// parquetFile is an open Parquet file with its Arrow view.
type parquetFile struct {
	f  storage.File
	pf *file.Reader
	fr *pqarrow.FileReader
}

// openParquetFile opens path; a file that is not valid Parquet (truncated,
// no footer) fails with its path. mem is charged with column data.
func openParquetFile(path string, props pqarrow.ArrowReadProperties, mem memory.Allocator) (p *parquetFile, err error) {
	f, err := storage.Open(context.Background(), path)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	err = guard.Safely(func() error {
		pf, err := file.NewParquetReader(f, file.WithReadProps(parquet.NewReaderProperties(mem)))
		if err != nil {
			return err
		}
		if v := pf.MetaData().KeyValueMetadata().FindValue(guard.ArrowSchemaKey); v != nil {
			if err := guard.StoredSchema(*v); err != nil {
				return err
			}
		}
		// Mark byte-array leaves so strings are read as dictionaries.
		sc := pf.MetaData().Schema
		for i := 0; i < sc.NumColumns(); i++ {
			if sc.Column(i).PhysicalType() == parquet.Types.ByteArray {
				props.SetReadDict(i, true)
			}
		}
		fr, err := pqarrow.NewFileReader(pf, props, mem)
		if err != nil {
			return err
		}
		m, err := largeStringsAsDicts(pf, &props)
		if err != nil {
			return err
		}
		if m != nil {
			fr.Manifest = m
		}
		p = &parquetFile{f: f, pf: pf, fr: fr}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable Parquet file: %v", path, err)
	}
	return p, nil
}

func (p *parquetFile) close() { p.f.Close() }

// leafIndex returns the Parquet leaf column of top-level field i, or -1 for
// a nested field.
func (p *parquetFile) leafIndex(i int) int {
	sf := p.fr.Manifest.Fields[i]
	if len(sf.Children) != 0 || !sf.IsLeaf() {
		return -1
	}
	return sf.ColIndex
}

// Describe reads the footer of the Parquet file path and returns its
// schema in canonical types, its row count and the row count of each of
// its row groups.
func Describe(path string) (schema *arrow.Schema, rows int64, rowGroupRows []int64, err error) {
	p, err := openParquetFile(path, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, 0, nil, err
	}
	defer p.close()
	s, err := p.fr.Schema()
	if err != nil {
		return nil, 0, nil, fmt.Errorf("%s: %v", path, err)
	}
	cs, err := canonical.Schema(path, s)
	if err != nil {
		return nil, 0, nil, err
	}
	md := p.pf.MetaData()
	counts := make([]int64, md.NumRowGroups())
	for rg := range counts {
		counts[rg] = md.RowGroup(rg).NumRows()
	}
	return cs, md.NumRows, counts, nil
}

// Reader reads some row groups of a Parquet file, skipping pruned ones.
type Reader struct {
	ctx     context.Context
	path    string
	p       *parquetFile
	leaves  []int // leaf columns read, in output order
	out     *arrow.Schema
	prune   []prune.Leaf
	groups  []int
	starts  []int64 // file row of each row group's first row
	gi      int     // next entry of groups
	batch   int64
	rr      pqarrow.RecordReader // nil with inGroup set when no columns are read
	inGroup bool
	rg      int   // row group being read
	rgRow   int64 // rows of rg already returned
	cur     arrow.RecordBatch
	stats   prune.Stats
	mem     memory.Allocator
	closed  bool
	fileCol []int // 0..len(leaves)-1: columns of the record reader's batches
}

// NewReader opens the Parquet file path to read the columns cols (indices
// into schema, the dataset's canonical schema, ascending) of the row
// groups rowGroups, in batches of at most batchRows rows (> 0) allocated
// from mem. A row group whose statistics show that no row meets every
// range of ranges is skipped; ranges on other columns are ignored.
func NewReader(ctx context.Context, path string, schema *arrow.Schema, cols []int, rowGroups []int, ranges []prune.Range, batchRows int, mem memory.Allocator) (*Reader, error) {
	p, err := openParquetFile(path, pqarrow.ArrowReadProperties{BatchSize: int64(batchRows)}, mem)
	if err != nil {
		return nil, err
	}
	r := &Reader{ctx: ctx, path: path, p: p, out: canonical.Project(schema, cols), groups: rowGroups, batch: int64(batchRows), mem: mem}
	fail := func(err error) (*Reader, error) {
		p.close()
		return nil, err
	}
	fs, err := p.fr.Schema()
	if err != nil {
		return fail(fmt.Errorf("%s: %v", path, err))
	}
	for i, c := range cols {
		name := schema.Field(c).Name
		fi := fs.FieldIndices(name)
		if len(fi) == 0 {
			return fail(fmt.Errorf("%s: no column %q (file changed since Open?)", path, name))
		}
		leaf := p.leafIndex(fi[0])
		if leaf < 0 {
			return fail(canonical.TypeError(path, name, fs.Field(fi[0]).Type))
		}
		r.leaves = append(r.leaves, leaf)
		r.fileCol = append(r.fileCol, i)
	}
	md := p.pf.MetaData()
	r.starts = make([]int64, md.NumRowGroups())
	var off int64
	for rg := range r.starts {
		r.starts[rg] = off
		off += md.RowGroup(rg).NumRows()
	}
	for _, rg := range rowGroups {
		if rg < 0 || rg >= md.NumRowGroups() {
			return fail(fmt.Errorf("%s: row group %d does not exist (%d row groups; file changed since Open?)", path, rg, md.NumRowGroups()))
		}
	}
	for _, rng := range ranges {
		fi := fs.FieldIndices(rng.Column)
		if len(fi) == 0 {
			continue
		}
		if leaf := p.leafIndex(fi[0]); leaf >= 0 {
			r.prune = append(r.prune, prune.Leaf{Range: rng, Leaf: leaf, Type: fs.Field(fi[0]).Type})
		}
	}
	return r, nil
}

// Stats returns the row groups read and skipped so far.
func (r *Reader) Stats() prune.Stats { return r.stats }

// Next returns the next batch and the file row number of its first row.
func (r *Reader) Next() (arrow.RecordBatch, int64, error) {
	if r.closed {
		return nil, 0, errors.New("input: Next on a closed reader")
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	for {
		if err := r.ctx.Err(); err != nil {
			return nil, 0, err
		}
		if !r.inGroup {
			ok, err := r.nextGroup()
			if err != nil {
				return nil, 0, err
			}
			if !ok {
				return nil, 0, nil
			}
		}
		first := r.starts[r.rg] + r.rgRow
		if len(r.leaves) == 0 {
			n := min(r.batch, r.p.pf.MetaData().RowGroup(r.rg).NumRows()-r.rgRow)
			if n <= 0 {
				r.endGroup()
				continue
			}
			r.rgRow += n
			r.cur = array.NewRecordBatch(r.out, nil, n) // n rows, no columns
			return r.cur, first, nil
		}
		var rec arrow.RecordBatch
		err := guard.Safely(func() error {
			var err error
			rec, err = r.rr.Read()
			return err
		})
		if err == io.EOF || (err == nil && rec == nil) {
			r.endGroup()
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("%s: row group %d: %v", r.path, r.rg, err)
		}
		if rec.NumRows() == 0 {
			continue
		}
		out, err := canonical.Batch(rec, r.fileCol, r.out, r.mem)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: row group %d: %v", r.path, r.rg, err)
		}
		r.rgRow += rec.NumRows()
		r.cur = out
		return out, first, nil
	}
}

// nextGroup opens the next row group that pruning does not skip; false at
// the end of the task.
func (r *Reader) nextGroup() (bool, error) {
	md := r.p.pf.MetaData()
	for r.gi < len(r.groups) {
		rg := r.groups[r.gi]
		r.gi++
		if prune.SkipRowGroup(md.RowGroup(rg), r.prune) {
			r.stats.RowGroupsSkipped++
			continue
		}
		r.stats.RowGroupsRead++
		r.rg, r.rgRow, r.inGroup = rg, 0, true
		if len(r.leaves) == 0 {
			return true, nil
		}
		err := guard.Safely(func() error {
			var err error
			r.rr, err = r.p.fr.GetRecordReader(r.ctx, r.leaves, []int{rg})
			return err
		})
		if err != nil {
			r.inGroup = false
			return false, fmt.Errorf("%s: row group %d: %v", r.path, rg, err)
		}
		return true, nil
	}
	return false, nil
}

func (r *Reader) endGroup() {
	r.inGroup = false
	if r.rr != nil {
		r.rr.Release()
		r.rr = nil
	}
}

// Close releases the last batch and the file.
func (r *Reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.endGroup()
	r.p.close()
	return nil
}
