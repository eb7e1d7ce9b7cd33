package vocab

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
