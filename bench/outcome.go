package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/sink"
)

// Outcome is what a run produced, in the form every engine can report:
// rows per split, rows per (split, group) for a grouped job, the
// aggregate tables (table -> group key -> column -> value; nil is null or
// NaN) and the statistics fitted on the train rows (feature -> Fitted).
type Outcome struct {
	Rows       int64                                     `json:"rows"`
	Splits     map[string]int64                          `json:"splits"`
	Groups     map[string]map[string]int64               `json:"groups,omitempty"`
	Aggregates map[string]map[string]map[string]*float64 `json:"aggregates"`
	Fitted     map[string]Fitted                         `json:"fitted,omitempty"`
}

// Fitted is one feature's fitted statistics as every engine reports them:
// vocabularies as strings in id order (one-hot: column order).
type Fitted struct {
	Transform  string    `json:"transform"`
	Mean       *float64  `json:"mean,omitempty"`
	Std        *float64  `json:"std,omitempty"`
	Kurtosis   *float64  `json:"kurtosis,omitempty"` // Pearson's, of the train values (peers only)
	Fill       *float64  `json:"fill,omitempty"`     // numeric fill (the median), nil for none
	Min        *float64  `json:"min,omitempty"`
	Max        *float64  `json:"max,omitempty"`
	Vocab      []string  `json:"vocab,omitempty"`
	Boundaries []float64 `json:"boundaries,omitempty"`
	Buckets    int       `json:"buckets,omitempty"`
}

// peerOutput is the JSON a peer script prints.
type peerOutput struct {
	Peer    string             `json:"peer"`
	Version string             `json:"version"`
	Method  string             `json:"method"`
	Phases  map[string]float64 `json:"phases"`
	Outcome
}

// peerCounts is the JSON count.mjs prints.
type peerCounts struct {
	Rows   int64                       `json:"rows"`
	Splits map[string]int64            `json:"splits"`
	Groups map[string]map[string]int64 `json:"groups"`
}

func parsePeer(out []byte) (peerOutput, error) {
	var p peerOutput
	if err := parseJSON(out, &p); err != nil {
		return p, err
	}
	return p, nil
}

func parseJSON(out []byte, v any) error {
	if err := json.Unmarshal(out, v); err != nil {
		s := string(out)
		if len(s) > 300 {
			s = s[:300] + "..."
		}
		return fmt.Errorf("peer output is not the expected JSON: %v: %q", err, s)
	}
	return nil
}

// readSluiceOutcome reads the manifest, the bench_group column of every
// shard (grouped jobs) and the aggregate tables of a sluice output dir.
func readSluiceOutcome(dir string, grouped bool) (*Outcome, *sink.Manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, nil, err
	}
	var m sink.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	o := &Outcome{Splits: map[string]int64{}, Aggregates: map[string]map[string]map[string]*float64{}}
	mem := memory.NewGoAllocator()
	for _, s := range m.Splits {
		o.Splits[s.Name] = s.Rows
		o.Rows += s.Rows
		if !grouped {
			continue
		}
		if o.Groups == nil {
			o.Groups = map[string]map[string]int64{}
		}
		counts := map[string]int64{}
		o.Groups[s.Name] = counts
		for _, sh := range s.Shards {
			path := filepath.Join(dir, filepath.FromSlash(sh.Path))
			each := eachBatch
			if m.Output.Format == "parquet" {
				each = eachParquetBatch
			}
			err := each(path, mem, func(rec arrow.RecordBatch) error {
				idx := rec.Schema().FieldIndices("bench_group")
				if len(idx) == 0 {
					return fmt.Errorf("%s: no column bench_group", path)
				}
				return countStrings(rec.Column(idx[0]), counts)
			})
			if err != nil {
				return nil, nil, err
			}
		}
	}
	for _, a := range m.Aggregates {
		path := filepath.Join(dir, filepath.FromSlash(a.Path))
		table := map[string]map[string]*float64{}
		o.Aggregates[a.Name] = table
		each := eachBatch
		if strings.HasSuffix(path, ".parquet") {
			each = eachParquetBatch
		}
		err := each(path, mem, func(rec arrow.RecordBatch) error {
			return aggRows(rec, a.By, table)
		})
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	o.Fitted = map[string]Fitted{}
	for _, t := range m.Transforms {
		var cf feature.Fitted
		if err := json.Unmarshal(t.Params, &cf); err != nil {
			return nil, nil, fmt.Errorf("%s: transform %s: %w", filepath.Join(dir, "manifest.json"), t.Feature, err)
		}
		o.Fitted[t.Feature] = fittedOf(cf)
	}
	return o, &m, nil
}

// fittedOf is sluice's fitted transform in the report's form.
func fittedOf(cf feature.Fitted) Fitted {
	fl := func(x float64) *float64 { return &x }
	f := Fitted{Transform: cf.Transform, Buckets: cf.Buckets, Boundaries: cf.Boundaries}
	switch cf.Transform {
	case "zscore", "log1p":
		f.Mean, f.Std = fl(cf.Mean), fl(cf.Std)
	case "minmax":
		f.Min, f.Max = fl(cf.Min), fl(cf.Max)
	}
	if cf.Fill != nil && (cf.Fill.Kind == column.KindFloat64 || cf.Fill.Kind == column.KindInt64) {
		v := cf.Fill.F
		if cf.Fill.Kind == column.KindInt64 {
			v = float64(cf.Fill.I)
		}
		f.Fill = fl(v)
	}
	for _, v := range cf.Vocab {
		f.Vocab = append(f.Vocab, v.String())
	}
	return f
}
