package sink

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sluice-ml/sluice/sink/layout"
	"github.com/sluice-ml/sluice/storage"
)

// Profiles is the manifest's `profiles`: per split, a profile of every
// output column's source (features, label, keep) as read from the input,
// before fills and transforms; the drift of each column between the train
// split and every other split; and report.html. See package profile for
// how each number is computed and how accurate it is.
type Profiles struct {
	// Quantiles are the probabilities of every ColumnProfile.Quantiles.
	Quantiles []float64 `json:"quantiles"`
	// QuantileSamples is the quantile sketch's per-level capacity K.
	QuantileSamples int `json:"quantile_samples"`
	// DistinctStdError is the distinct estimate's relative standard error.
	DistinctStdError float64        `json:"distinct_std_error"`
	Splits           []SplitProfile `json:"splits"` // in split order
	Drift            []Drift        `json:"drift"`  // per column, per non-train split
	Report           *OutputFile    `json:"report"` // report.html
}

// OutputFile is a file of the output that is not a shard or aggregate.
type OutputFile struct {
	Path   string `json:"path"` // relative to the output dir
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// SplitProfile is the profile of one split's rows.
type SplitProfile struct {
	Split   string          `json:"split"`
	Rows    int64           `json:"rows"`
	Columns []ColumnProfile `json:"columns"` // features, label, keep, in job order
}

// ColumnProfile profiles one column of one split. Count is the split's
// rows; Nulls, NaN and Inf count those values; Min, Max, Mean, Std
// (sample) and Quantiles are over the finite values of numeric columns
// (null for string columns or when there are none).
type ColumnProfile struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"` // feature | label | keep
	Type      string    `json:"type"`
	Count     int64     `json:"count"`
	Nulls     int64     `json:"nulls"`
	NaN       int64     `json:"nan"`
	Inf       int64     `json:"inf"`
	Min       *float64  `json:"min"`
	Max       *float64  `json:"max"`
	Mean      *float64  `json:"mean"`
	Std       *float64  `json:"std"`
	Quantiles []float64 `json:"quantiles"`
	// QuantileRankError bounds |rank of a reported quantile - p·N| / N.
	QuantileRankError float64 `json:"quantile_rank_error"`
	Distinct          int64   `json:"distinct"` // estimate of non-null distinct values
	// Top are the most frequent values (strings, bools and categorical
	// features), each count low by at most TopMaxUndercount.
	Top              []TopValue `json:"top"`
	TopMaxUndercount int64      `json:"top_max_undercount"`
	Histogram        *Histogram `json:"histogram"` // numeric columns with values
}

// TopValue is one frequent value.
type TopValue struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// Histogram is an equal-width histogram between Min and Max: Counts[i]
// holds the values in [Edges[i], Edges[i+1]) (the last bin is closed),
// estimated from the quantile sketch.
type Histogram struct {
	Edges  []float64 `json:"edges"`
	Counts []int64   `json:"counts"`
}

// Drift is the population stability index of one column between the train
// split (expected) and another split (actual):
//
//	PSI = Σ_i (a_i - e_i) · ln(a_i / e_i)
//
// over Bins bins, a_i and e_i the shares of the splits' rows in bin i,
// each at least 1e-4. Numeric bins are cut at the train deciles, plus one
// bin for null, NaN and ±Inf; categorical bins are the train top values,
// one for every other value and one for null.
type Drift struct {
	Column string  `json:"column"`
	Train  string  `json:"train"`
	Split  string  `json:"split"`
	Bins   int     `json:"bins"`
	PSI    float64 `json:"psi"`
}

// Slices is the manifest's `slices`: per slice column, per value and
// split, the rows, the label's mean and std and the numeric features'
// means (raw values, before fills and transforms). Only the Top values
// with the most rows are listed; the rest are summed into one "(other)"
// value.
type Slices struct {
	Top     int           `json:"top"`
	Columns []SliceColumn `json:"columns"`
}

// SliceColumn is the table of one slice column.
type SliceColumn struct {
	Column   string     `json:"column"`
	Type     string     `json:"type"`
	Distinct int64      `json:"distinct"` // exact, null counted as a value
	Other    int64      `json:"other"`    // values summed into "(other)"
	Rows     []SliceRow `json:"rows"`     // by value rank, then split order
}

// SliceRow is one value of a slice column in one split. Value is the
// value as text; "(null)" for null and "(other)" for the values not in
// the top (Null and Other tell them from such strings).
type SliceRow struct {
	Value        string              `json:"value"`
	Null         bool                `json:"null,omitempty"`
	Other        bool                `json:"other,omitempty"`
	Split        string              `json:"split"`
	Rows         int64               `json:"rows"`
	LabelMean    *float64            `json:"label_mean"`
	LabelStd     *float64            `json:"label_std"`
	FeatureMeans map[string]*float64 `json:"feature_means"`
}

// ReportName is report.html's path in the output dir.
const ReportName = "report.html"

// WriteReport writes report.html into an output being written (dir is
// Txn.Dir(): a local directory or an object-store prefix) and returns its
// manifest entry.
func WriteReport(dir string, data []byte) (*OutputFile, error) {
	sum := sha256.Sum256(data)
	var err error
	if storage.IsRemote(dir) {
		err = storage.WriteAll(context.Background(), layout.JoinOut(dir, ReportName), data)
	} else {
		err = os.WriteFile(filepath.Join(dir, ReportName), data, 0o644)
	}
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return &OutputFile{Path: ReportName, Bytes: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}, nil
}
