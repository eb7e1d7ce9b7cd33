package shard

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluice-ml/sluice/internal/czstd"
	"github.com/sluice-ml/sluice/sink/arrowfile"
	"github.com/sluice-ml/sluice/sink/layout"
	"github.com/sluice-ml/sluice/storage"
)

// ParquetRowGroupRows is the number of rows per Parquet row group (the
// last one of a file may be shorter).
const ParquetRowGroupRows = 1 << 20

// Info describes one written file. JSON field order is fixed.
type Info struct {
	Path   string `json:"path"` // relative to the output dir, slash-separated, e.g. "train/part-00000.arrow"
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"` // hex sha256 of the whole file
}

// Writer writes one shard file in the Arrow IPC file format or
// Parquet. Batches are streamed to disk; size and sha256 are computed while
// writing. A Writer is not safe for concurrent use.
type Writer struct {
	path    string // file on disk, once complete
	tmp     string // the file being written, renamed to path by Close
	rel     string // Info.Path
	format  string
	schema  *arrow.Schema // schema of the batches given to Write
	fschema *arrow.Schema // schema of the file: dictionaries decoded
	mem     memory.Allocator
	f       *os.File
	up      *storage.Writer // object-store upload instead of f (remote.go)
	hw      *hashingWriter
	ipcw    arrowfile.Writer // native writer, or arrow-go's for other types
	pqw     arrowfile.Writer // parquetWriter, or pqarrowWriter for nested columns
	rows    int64
	err     error // first error; the writer refuses further writes
	closed  bool
	pipe    *pipe // SetPipelined's goroutine, or nil
}

// NewWriter creates the file at path (its directory is created if
// missing; an existing file is refused) and returns a writer for batches of
// schema. format is "arrow" or "parquet"; compression is "zstd", "lz4" or
// "none". Info.Path is path as given, slash-separated; use
// NewWriterIn to get a path relative to the output dir. All Arrow
// allocations go through mem.
func NewWriter(path, format, compression string, schema *arrow.Schema, mem memory.Allocator) (*Writer, error) {
	return newWriter(path, filepath.ToSlash(path), format, compression, schema, mem)
}

// NewWriterIn is NewWriter for the file rel (slash-separated,
// e.g. layout.ShardPath("train", 0, "arrow")) inside dir (usually Txn.Dir()); the
// returned Info.Path is rel.
func NewWriterIn(dir, rel, format, compression string, schema *arrow.Schema, mem memory.Allocator) (*Writer, error) {
	if err := layout.CheckRelPath(rel); err != nil {
		return nil, err
	}
	return newWriter(layout.JoinOut(dir, rel), rel, format, compression, schema, mem)
}

func newWriter(path, rel, format, compression string, schema *arrow.Schema, mem memory.Allocator) (*Writer, error) {
	if err := checkFormat(format, compression); err != nil {
		return nil, err
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	fschema, err := FileSchema(schema)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if storage.IsRemote(path) {
		return newRemoteWriter(path, rel, format, compression, schema, fschema, mem)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("create shard: %s: %w", path, fs.ErrExist)
	}
	// The file is written under a name of its own and appears at path only
	// when complete: a writer cut off from its driver (whose task was given
	// to another executor meanwhile) never leaves a partial file there.
	tmp, f, err := createUnique(path)
	if err != nil {
		return nil, fmt.Errorf("create shard: %w", err)
	}
	w := &Writer{path: path, tmp: tmp, rel: rel, format: format, schema: schema, fschema: fschema, mem: mem, f: f, hw: newHashingWriter(f)}
	if err = w.startFormat(compression); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return w, nil
}

// startFormat starts the format writer on w.hw.
func (w *Writer) startFormat(compression string) (err error) {
	if w.format == FormatArrow {
		w.ipcw, err = arrowfile.NewWriter(w.hw, w.fschema, compression, w.mem)
		return err
	}
	if flatParquet(w.fschema) {
		props := parquetProps(w.schema, compression, w.mem)
		p, err := newParquetWriter(w.hw, w.schema, w.fschema, props, w.mem)
		if err != nil {
			return err
		}
		w.pqw = p
		return nil
	}
	fw, err := pqarrow.NewFileWriter(w.fschema, w.hw, parquetProps(w.fschema, compression, w.mem), parquetArrowProps(w.mem))
	if err != nil {
		return err
	}
	w.pqw = pqarrowWriter{fw}
	return nil
}

// partialName matches the names createUnique gives.
var partialName = regexp.MustCompile(`^\..+\.[0-9a-f]{12}\.tmp$`)

// RemovePartials deletes the files under dir that shard writers have not
// completed: those of attempts that failed or were cut off from the
// driver (their task ran elsewhere). sink.Txn.Commit calls it first.
func RemovePartials(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !partialName.MatchString(d.Name()) {
			return err
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	})
}

// createUnique creates a new file beside path, named after it with a
// random part, for writing.
func createUnique(path string) (string, *os.File, error) {
	dir, base := filepath.Split(path)
	for {
		var r [6]byte
		if _, err := rand.Read(r[:]); err != nil {
			return "", nil, err
		}
		tmp := filepath.Join(dir, "."+base+"."+hex.EncodeToString(r[:])+".tmp")
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return tmp, f, err
	}
}

// ParquetZstdLevel is the zstd level of Parquet pages: 1, zstd's fastest
// (the level of the Arrow IPC writer too). With the pure-Go encoder, at
// the default level 3 page compression was three quarters of the Parquet
// write's CPU in a profile of the citibike job, and level 1 files were 3 %
// larger (BenchmarkShardWrite/parquet-zstd). Pages are now compressed by
// the C library (see init).
const ParquetZstdLevel = 1

// Parquet ZSTD pages are compressed by the reference C library
// (czstd.RegisterParquet: 1.5× the pure-Go encoder's speed at level 1 on
// shard pages, 4 % smaller). It is registered when the package loads, so
// every Parquet file a process writes through arrow-go uses one encoder
// and the same batches give the same bytes.
func init() { czstd.RegisterParquet() }

// parquetDictLimit bounds a column chunk's dictionary page. arrow-go
// falls back to plain encoding when a dictionary outgrows its limit, and
// a chunk holding both dictionary and plain pages lists their encodings
// in map order: its metadata bytes would change from write to write. So
// the limit is beyond any dictionary a 1M-row chunk of ordinary strings
// reaches, and a column that a dictionary does not shrink falls back
// before its first page instead (arrow-go's cost check: dictionary plus
// indices against plain), leaving a chunk of one encoding.
const parquetDictLimit = 1 << 30

// parquetProps: statistics on, ~1M-row row groups, dictionary encoding
// only for string and dictionary columns (see parquetDictLimit), zstd at
// ParquetZstdLevel. schema is that of the batches the column writers
// get: a dictionary column there has its dictionary seeded (see pqDict),
// so arrow-go's cost check, which counts only hashed values, is off for
// it (it would see no plain bytes and drop the dictionary).
func parquetProps(schema *arrow.Schema, compression string, mem memory.Allocator) *parquet.WriterProperties {
	codec := compress.Codecs.Uncompressed
	level := compress.DefaultCompressionLevel
	switch compression {
	case CompressionZstd:
		codec, level = compress.Codecs.Zstd, ParquetZstdLevel
	case CompressionLZ4:
		codec = compress.Codecs.Lz4Raw
	}
	opts := []parquet.WriterProperty{
		parquet.WithAllocator(mem),
		parquet.WithCompression(codec),
		parquet.WithCompressionLevel(level),
		parquet.WithStats(true),
		parquet.WithMaxRowGroupLength(ParquetRowGroupRows),
		parquet.WithDictionaryDefault(false),
		parquet.WithDictionaryPageSizeLimit(parquetDictLimit),
	}
	return parquet.NewWriterProperties(append(opts, dictionaryProps(schema)...)...)
}

// dictionaryProps turn dictionary encoding on for the string and
// dictionary columns of schema, with the cost check for strings.
func dictionaryProps(schema *arrow.Schema) []parquet.WriterProperty {
	var opts []parquet.WriterProperty
	for _, f := range schema.Fields() {
		switch f.Type.ID() {
		case arrow.STRING, arrow.LARGE_STRING:
			opts = append(opts, parquet.WithDictionaryPath(parquet.ColumnPath{f.Name}, true),
				parquet.WithDictionaryCostFallbackPath(parquet.ColumnPath{f.Name}, true))
		case arrow.DICTIONARY: // off even uncompressed, where it is on by default
			opts = append(opts, parquet.WithDictionaryPath(parquet.ColumnPath{f.Name}, true),
				parquet.WithDictionaryCostFallbackPath(parquet.ColumnPath{f.Name}, false))
		}
	}
	return opts
}

// SetEncodeWorkers lets the writer encode each batch on up to n
// goroutines (n ≤ 1: on the caller's); call it before the first Write.
// The file bytes do not depend on n. Arrow IPC files with a codec
// compress their buffers in parallel; Parquet files of flat columns
// encode and compress their column chunks in parallel; other files are
// encoded on the caller's goroutine.
func (w *Writer) SetEncodeWorkers(n int) error {
	fw := w.ipcw
	if fw == nil {
		fw = w.pqw
	}
	if p, ok := fw.(interface{ SetWorkers(int) error }); ok {
		if err := p.SetWorkers(n); err != nil {
			return fmt.Errorf("%s: %w", w.path, err)
		}
	}
	return nil
}

// Schema returns the schema of the batches Write accepts.
func (w *Writer) Schema() *arrow.Schema { return w.schema }

// FileSchema returns the schema stored in the file (see FileSchema).
func (w *Writer) FileSchema() *arrow.Schema { return w.fschema }

// Write appends batch to the file. The batch is only read; the caller keeps
// its reference. After an error every later Write fails and Close removes
// the partial file.
func (w *Writer) Write(batch arrow.RecordBatch) error {
	if w.closed {
		return fmt.Errorf("%s: write after close", w.path)
	}
	if w.err != nil {
		return w.err
	}
	if !batch.Schema().Equal(w.schema) {
		w.err = fmt.Errorf("%s: batch schema does not match the shard's:\nbatch: %s\nshard: %s", w.path, batch.Schema(), w.schema)
		return w.err
	}
	if w.pipe != nil {
		if err := w.pipe.send(batch); err != nil {
			w.err = err
			return err
		}
	} else if err := w.write(batch); err != nil {
		w.err = fmt.Errorf("%s: %w", w.path, err)
		return w.err
	}
	w.rows += batch.NumRows()
	return nil
}

// write decodes dictionary columns (when the schema has any) and hands
// the batch to the format writer. parquetWriter decodes them itself, on
// its workers.
func (w *Writer) write(batch arrow.RecordBatch) error {
	if _, ok := w.pqw.(*parquetWriter); ok || w.fschema == w.schema {
		return w.writeFile(batch)
	}
	cols := make([]arrow.Array, batch.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, c := range batch.Columns() {
		if d, ok := c.(*array.Dictionary); ok {
			s, err := decodeDictStrings(w.mem, d)
			if err != nil {
				return fmt.Errorf("column %q: %w", w.schema.Field(i).Name, err)
			}
			cols[i] = s
			continue
		}
		c.Retain()
		cols[i] = c
	}
	rec := array.NewRecordBatch(w.fschema, cols, batch.NumRows())
	defer rec.Release()
	return w.writeFile(rec)
}

// writeFile writes a batch of the file schema. Parquet rows are buffered
// into row groups of ParquetRowGroupRows.
func (w *Writer) writeFile(rec arrow.RecordBatch) error {
	if w.ipcw != nil {
		return w.ipcw.Write(rec)
	}
	return w.pqw.Write(rec)
}

// Close finishes the file (footer), fsyncs and closes it, and returns its
// rows, size and sha256. On any error (here or in an earlier Write) the
// partial file is removed and the first error returned. A second Close
// returns an error.
func (w *Writer) Close() (Info, error) {
	if w.closed {
		return Info{}, fmt.Errorf("%s: shard writer already closed", w.path)
	}
	w.closed = true
	if w.pipe != nil {
		if perr := w.pipe.drain(); w.err == nil {
			w.err = perr
		}
	}
	err := w.err
	var cerr error
	if w.ipcw != nil {
		cerr = w.ipcw.Close()
	} else {
		cerr = w.pqw.Close()
	}
	if err == nil && cerr != nil {
		err = fmt.Errorf("%s: %w", w.path, cerr)
	}
	if w.up != nil {
		return w.closeRemote(err)
	}
	if err == nil {
		if ferr := w.hw.flush(); ferr != nil {
			err = fmt.Errorf("%s: %w", w.path, ferr)
		}
	}
	if err == nil {
		if serr := w.f.Sync(); serr != nil {
			err = fmt.Errorf("%s: fsync: %w", w.path, serr)
		}
	}
	if cl := w.f.Close(); err == nil && cl != nil {
		err = fmt.Errorf("%s: %w", w.path, cl)
	}
	if err == nil {
		// A complete file of another attempt at path has the same bytes
		// (the output is deterministic): replacing it loses nothing.
		if rerr := os.Rename(w.tmp, w.path); rerr != nil {
			err = fmt.Errorf("%s: %w", w.path, rerr)
		}
	}
	if err != nil {
		if rerr := os.Remove(w.tmp); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
		return Info{}, err
	}
	return Info{Path: w.rel, Rows: w.rows, Bytes: w.hw.n, SHA256: w.hw.hex()}, nil
}
