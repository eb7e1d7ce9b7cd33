// Package jobspec parses and validates sluice job files. Every error names
// the file, line and field and says what is allowed; see Error.
package jobspec

// Job is a parsed, validated job file. Slices keep the order of the file.
type Job struct {
	Name   string
	File   string   // path of the job file as given (used in error messages)
	SHA256 string   // hex sha256 of the job file bytes (after --set overrides are NOT applied)
	Source []byte   // the job file bytes as parsed; executors re-parse them with Sets
	Dir    string   // directory of the job file; relative input/output paths resolve against the working directory, not this
	Sets   []string // --set overrides applied, as given (nil when none); SHA256 does not cover them, so record both

	Input      Input
	Filter     *Expr           // nil when absent
	Columns    []DerivedColumn // derived columns, in file order
	Features   []Feature       // in file order
	Label      *Label          // nil when absent
	Keep       []Field         // columns copied through unchanged
	Split      Split
	Aggregates []Aggregate
	Output     Output
	Engine     Engine
}

// Field is a column name with the line it appears on.
type Field struct {
	Name string
	Line int
}

// Expr is an expression source string (filter or derived column) and where it is.
type Expr struct {
	Src  string
	Line int
	Col  int // 1-based column of the first character of Src on Line
}

// Input says where rows come from: Path (file, directory or glob) or Generate.
type Input struct {
	Path     string
	Format   string    // parquet | csv | arrow; "" only when Generate is set
	Generate *Generate // non-nil instead of Path
	CSV      CSVOptions
	Line     int
}

// CSVOptions are the optional `input.csv` settings.
type CSVOptions struct {
	Delimiter string            // one character, default ","
	Header    bool              // default true
	Types     map[string]string // column -> int64|float64|string|bool|timestamp; others inferred
	Null      []string          // strings read as null, default ["", "NA", "null"]
}

// Generate is `input.generate`: a built-in synthetic data set.
type Generate struct {
	Kind  string // citibike
	Rows  int64
	Seed  uint64
	Files int // how many logical files (tasks) the rows are cut into; default 8
}

// DerivedColumn is one entry of `columns:`.
type DerivedColumn struct {
	Name string
	Expr Expr
	Line int
}

// Transform names.
const (
	TIdentity  = "identity"
	TZScore    = "zscore"
	TMinMax    = "minmax"
	TLog1p     = "log1p"
	TClip      = "clip"
	TBucketize = "bucketize"
	TVocab     = "vocab"
	TOneHot    = "onehot"
	THash      = "hash"
)

// Transforms lists every allowed transform.
var Transforms = []string{TIdentity, TZScore, TMinMax, TLog1p, TClip, TBucketize, TVocab, TOneHot, THash}

// Fill kinds.
const (
	FillNone   = "none"
	FillMean   = "mean"
	FillMedian = "median"
	FillMode   = "mode"
	FillValue  = "value"
	FillDrop   = "drop"
)

// Fill is a null rule. Kind is one of the Fill* constants; Value is set
// (float64, int64, bool or string, as written in YAML) only for FillValue.
type Fill struct {
	Kind  string
	Value any
}

// Feature is one entry of `features:`.
type Feature struct {
	Name      string
	Transform string
	TopK      int      // vocab, onehot: keep the k most frequent (0 = all)
	MinCount  int64    // vocab, onehot: drop values seen fewer times in train (default 1)
	Buckets   int      // bucketize (number of buckets), hash (number of buckets)
	Min, Max  *float64 // clip bounds (at least one set); nil = unbounded
	Fill      Fill     // default {Kind: none}
	Line      int
}

// Label is `label:`; at most one column.
type Label struct {
	Name string
	Fill Fill // none | drop | mean | median | mode | value
	Line int
}

// Ratio is one named split share.
type Ratio struct {
	Name  string
	Value float64
}

// Split is `split:`. When the job has no split section, Ratios is
// [{train 1}] and Seed 0.
type Split struct {
	By     []string // stratify columns; empty = plain split
	Key    string   // row key column; "" = (input file, row number)
	Ratios []Ratio  // in file order; sum to 1 within 1e-9
	Seed   uint64
	Line   int
}

// Aggregate funcs.
const (
	AggCount         = "count" // count() when Column == "", else count(c)
	AggSum           = "sum"
	AggMean          = "mean"
	AggMin           = "min"
	AggMax           = "max"
	AggStd           = "std" // sample (n-1)
	AggVar           = "var" // sample (n-1)
	AggCountDistinct = "count_distinct"
)

// AggFuncs lists every allowed aggregate function.
var AggFuncs = []string{AggCount, AggSum, AggMean, AggMin, AggMax, AggStd, AggVar, AggCountDistinct}

// AggExpr is one `compute:` entry: Name: Func(Column).
type AggExpr struct {
	Name   string
	Func   string
	Column string // "" only for count()
	Line   int
}

// Aggregate is one named group-by table.
type Aggregate struct {
	Name    string
	By      []string
	Compute []AggExpr
	Line    int
}

// Output is `output:`.
type Output struct {
	Path        string
	Format      string // arrow | parquet
	Compression string // zstd | lz4 | none
	Shards      int    // per split, >= 1
	Shuffle     bool   // default true
	Overwrite   bool   // default false; usually given as --set output.overwrite=true
	Line        int
}

// Engine is `engine:`.
type Engine struct {
	Prefer   string // auto | cpu | gpu
	Fallback string // allow | warn | error
}
