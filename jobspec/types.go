package jobspec

import "github.com/sluice-ml/sluice/vocab"

// The parts of a job that executors read too are defined in package
// vocab; these names stay the parser's.
type (
	Input      = vocab.Input
	CSVOptions = vocab.CSVOptions
	Generate   = vocab.Generate
	Fill       = vocab.Fill
	Feature    = vocab.Feature
)

// Transform names.
const (
	TIdentity  = vocab.TIdentity
	TZScore    = vocab.TZScore
	TMinMax    = vocab.TMinMax
	TLog1p     = vocab.TLog1p
	TClip      = vocab.TClip
	TBucketize = vocab.TBucketize
	TVocab     = vocab.TVocab
	TOneHot    = vocab.TOneHot
	THash      = vocab.THash
)

// Transforms lists every allowed transform.
var Transforms = vocab.Transforms

// Fill kinds.
const (
	FillNone   = vocab.FillNone
	FillMean   = vocab.FillMean
	FillMedian = vocab.FillMedian
	FillMode   = vocab.FillMode
	FillValue  = vocab.FillValue
	FillDrop   = vocab.FillDrop
)

// Aggregate funcs.
const (
	AggCount         = vocab.AggCount
	AggSum           = vocab.AggSum
	AggMean          = vocab.AggMean
	AggMin           = vocab.AggMin
	AggMax           = vocab.AggMax
	AggStd           = vocab.AggStd
	AggVar           = vocab.AggVar
	AggCountDistinct = vocab.AggCountDistinct
)

// AggFuncs lists every allowed aggregate function.
var AggFuncs = vocab.AggFuncs

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
	Slices     Slices  // slices: (no columns when absent)
	Expect     *Expect // nil when absent
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

// DerivedColumn is one entry of `columns:`.
type DerivedColumn struct {
	Name string
	Expr Expr
	Line int
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
