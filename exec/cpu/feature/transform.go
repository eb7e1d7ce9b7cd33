package feature

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/vocab"
)

// Fitted is one feature's fitted transform, as recorded in the manifest
// and applied to every split. Only the fields the transform uses are set.
//
// Semantics of Apply (the same on every engine):
//   - Fill: when Fill is set, it replaces nulls BEFORE the transform. Its
//     value was fitted on the train rows (mean from stats.Moments, median from
//     stats.Quantiles, mode from stats.ValueCounts) or given in the job file. All
//     statistics are over the non-null, finite train values.
//   - Numeric transforms compute in float64 and round to float32 once at
//     the end; a null input with no fill stays null. Inputs: int64,
//     float64, bool (0/1), timestamp[us] (microseconds as float64).
//     identity: x. zscore: (x-Mean)/Std. log1p: (log1p(x)-Mean)/Std with
//     Mean/Std of log1p over the train values (x < -1 gives NaN, x = -1
//     -Inf). When Std is 0 or not finite the divisor is 1. minmax:
//     (x-Min)/(Max-Min), 0 when Max == Min. clip: x clamped to
//     [ClipMin, ClipMax] (a nil bound is open). NaN stays NaN.
//   - bucketize: int32 = the number of Boundaries <= x (NaN: 0); a null
//     with no fill stays null. Boundaries are the train quantiles at
//     i/Buckets, i = 1..Buckets-1, deduplicated.
//   - vocab: int32 id = 1 + position in Vocab (most frequent first, ties
//     by value), 0 = out of vocabulary or null (with no fill).
//   - onehot: one float32 0/1 column per Vocab entry, named "name=value",
//     plus "name=__oov__" for values out of vocabulary and nulls.
//   - hash: int32 = hash(value) mod Buckets with the hashing package's
//     value hash (strings by their UTF-8 bytes); a null with no fill hashes
//     as hashing.NullTag.
//
// Dictionary (string) columns are transformed per dictionary entry once,
// then mapped through the indices.
type Fitted struct {
	Transform  string         `json:"transform"`
	Mean       float64        `json:"mean,omitempty"`
	Std        float64        `json:"std,omitempty"` // sample std; 0 when undefined (< 2 values)
	Min        float64        `json:"min,omitempty"`
	Max        float64        `json:"max,omitempty"`
	ClipMin    *float64       `json:"clip_min,omitempty"`
	ClipMax    *float64       `json:"clip_max,omitempty"`
	Boundaries []float64      `json:"boundaries,omitempty"`
	Vocab      []column.Value `json:"vocab,omitempty"` // in id order: Vocab[i] has id i+1
	Buckets    int            `json:"buckets,omitempty"`
	FillKind   string         `json:"fill_kind,omitempty"` // vocab.Fill* kind the fill came from
	Fill       *column.Value  `json:"fill,omitempty"`      // nil: nulls are not filled
	TrainRows  int64          `json:"train_rows"`          // non-null (finite) train values the fit used; 0 for clip and hash, which fit nothing
}

// OOVName is the suffix of the one-hot out-of-vocabulary column.
const OOVName = "__oov__"

// OutputFields returns the names and types Apply produces for a feature
// of this fitted transform.
func (f *Fitted) OutputFields(name string) []arrow.Field {
	switch f.Transform {
	case vocab.TBucketize, vocab.TVocab, vocab.THash:
		return []arrow.Field{{Name: name, Type: arrow.PrimitiveTypes.Int32, Nullable: f.Transform == vocab.TBucketize}}
	case vocab.TOneHot:
		fs := make([]arrow.Field, 0, len(f.Vocab)+1)
		for _, v := range f.Vocab {
			fs = append(fs, arrow.Field{Name: name + "=" + v.String(), Type: arrow.PrimitiveTypes.Float32})
		}
		return append(fs, arrow.Field{Name: name + "=" + OOVName, Type: arrow.PrimitiveTypes.Float32})
	}
	return []arrow.Field{{Name: name, Type: arrow.PrimitiveTypes.Float32, Nullable: true}}
}

// Apply transforms one feature column of a batch and returns its output
// fields and columns (+1 each; one column, or len(Vocab)+1 for onehot).
func Apply(name string, f *Fitted, col arrow.Array, mem memory.Allocator) ([]arrow.Field, []arrow.Array, error) {
	k, err := column.ColumnType("feature "+name, col)
	if err != nil {
		return nil, nil, err
	}
	fields := f.OutputFields(name)
	switch f.Transform {
	case vocab.TIdentity, vocab.TZScore, vocab.TMinMax, vocab.TLog1p, vocab.TClip, vocab.TBucketize:
		if k == column.TStr {
			return nil, nil, fmt.Errorf("feature %s: %s needs a numeric column (got string)", name, f.Transform)
		}
		arr, err := applyNumeric(f, col, mem)
		if err != nil {
			return nil, nil, fmt.Errorf("feature %s: %w", name, err)
		}
		return fields, []arrow.Array{arr}, nil
	case vocab.TVocab, vocab.TOneHot, vocab.THash:
		arrs, err := applyCategorical(f, k, col, mem)
		if err != nil {
			return nil, nil, fmt.Errorf("feature %s: %w", name, err)
		}
		return fields, arrs, nil
	}
	return nil, nil, fmt.Errorf("feature %s: unknown transform %q (allowed: %v)", name, f.Transform, vocab.Transforms)
}
