package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

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
	Fill       *float64  `json:"fill,omitempty"` // numeric fill (the median), nil for none
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

// eachParquetBatch calls fn with every record batch of a Parquet file.
func eachParquetBatch(path string, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f, file.WithReadProps(parquet.NewReaderProperties(mem)))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 64 << 10}, mem)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer rr.Release()
	for rr.Next() {
		if err := fn(rr.RecordBatch()); err != nil {
			return err
		}
	}
	if err := rr.Err(); err != nil && err != io.EOF {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// eachBatch calls fn with every record batch of an Arrow IPC file.
func eachBatch(path string, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(mem))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer r.Close()
	for i := 0; i < r.NumRecords(); i++ {
		rec, err := r.RecordBatch(i)
		if err != nil {
			return fmt.Errorf("%s: batch %d: %w", path, i, err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

// countStrings adds each value of a string (or dictionary of strings)
// column to counts; a null counts under "<null>" as the peers write it.
func countStrings(col arrow.Array, counts map[string]int64) error {
	switch c := col.(type) {
	case *array.String:
		for i := 0; i < c.Len(); i++ {
			counts[strKey(c.IsNull(i), c.Value(i))]++
		}
	case *array.LargeString:
		for i := 0; i < c.Len(); i++ {
			counts[strKey(c.IsNull(i), c.Value(i))]++
		}
	case *array.Dictionary:
		dict, ok := c.Dictionary().(*array.String)
		if !ok {
			return fmt.Errorf("bench_group: dictionary of %s, want strings", c.Dictionary().DataType())
		}
		// Count per index first: one map access per distinct value.
		per := make([]int64, dict.Len())
		nulls := int64(0)
		for i := 0; i < c.Len(); i++ {
			if c.IsNull(i) {
				nulls++
				continue
			}
			per[c.GetValueIndex(i)]++
		}
		for k, n := range per {
			if n > 0 {
				counts[strKey(dict.IsNull(k), dict.Value(k))] += n
			}
		}
		if nulls > 0 {
			counts["<null>"] += nulls
		}
	default:
		return fmt.Errorf("bench_group: type %s, want a string column", col.DataType())
	}
	return nil
}

func strKey(null bool, s string) string {
	if null {
		return "<null>"
	}
	return s
}

// aggRows adds the rows of one aggregate table batch: the group key from
// the by columns (joined by "|"), every other column as a float64.
func aggRows(rec arrow.RecordBatch, by []string, table map[string]map[string]*float64) error {
	isKey := map[string]bool{}
	for _, b := range by {
		isKey[b] = true
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		k := ""
		vals := map[string]*float64{}
		for c := 0; c < int(rec.NumCols()); c++ {
			name := rec.ColumnName(c)
			col := rec.Column(c)
			if isKey[name] {
				if k != "" {
					k += "|"
				}
				k += valueKey(col, i)
				continue
			}
			v, err := valueFloat(col, i)
			if err != nil {
				return fmt.Errorf("column %s: %w", name, err)
			}
			vals[name] = v
		}
		table[k] = vals
	}
	return nil
}

func valueKey(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return "<null>"
	}
	switch c := col.(type) {
	case *array.Int64:
		return strconv.FormatInt(c.Value(i), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(c.Value(i)), 10)
	case *array.String:
		return c.Value(i)
	case *array.Dictionary:
		if d, ok := c.Dictionary().(*array.String); ok {
			return d.Value(c.GetValueIndex(i))
		}
	}
	return col.ValueStr(i)
}

func valueFloat(col arrow.Array, i int) (*float64, error) {
	if col.IsNull(i) {
		return nil, nil
	}
	var v float64
	switch c := col.(type) {
	case *array.Int64:
		v = float64(c.Value(i))
	case *array.Int32:
		v = float64(c.Value(i))
	case *array.Uint64:
		v = float64(c.Value(i))
	case *array.Float64:
		v = c.Value(i)
	case *array.Float32:
		v = float64(c.Value(i))
	default:
		return nil, fmt.Errorf("type %s is not numeric", col.DataType())
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, nil
	}
	return &v, nil
}

// Compare lists where peer disagrees with want (sluice) on job: rows per
// split (unless job.AggregatesOnly), rows per (split, group) when
// job.Grouped, and every aggregate value within rel relative. At most limit
// problems are listed, then a count.
func Compare(want, peer *Outcome, job Job, rel float64, limit int) []string {
	var probs []string
	n := 0
	add := func(format string, args ...any) {
		n++
		if len(probs) < limit {
			probs = append(probs, fmt.Sprintf(format, args...))
		}
	}
	for _, s := range unionKeys(want.Splits, peer.Splits) {
		if !job.AggregatesOnly && want.Splits[s] != peer.Splits[s] {
			add("split %s: sluice %d rows, peer %d", s, want.Splits[s], peer.Splits[s])
		}
	}
	if job.Grouped {
		for _, s := range unionKeys(want.Groups, peer.Groups) {
			w, p := want.Groups[s], peer.Groups[s]
			for _, g := range unionKeys(w, p) {
				if w[g] != p[g] {
					add("split %s group %q: sluice %d rows, peer %d", s, g, w[g], p[g])
				}
			}
		}
	}
	for _, t := range unionKeys(want.Aggregates, peer.Aggregates) {
		w, p := want.Aggregates[t], peer.Aggregates[t]
		if w == nil || p == nil {
			add("aggregate table %s: missing in %s", t, map[bool]string{true: "sluice", false: "peer"}[w == nil])
			continue
		}
		for _, k := range unionKeys(w, p) {
			wr, pr := w[k], p[k]
			if wr == nil || pr == nil {
				add("aggregate %s group %q: missing in %s", t, k, map[bool]string{true: "sluice", false: "peer"}[wr == nil])
				continue
			}
			for _, c := range unionKeys(wr, pr) {
				wv, wok := wr[c]
				pv, pok := pr[c]
				switch {
				case !wok || !pok:
					add("aggregate %s column %s: missing in %s", t, c, map[bool]string{true: "sluice", false: "peer"}[!wok])
				case (wv == nil) != (pv == nil):
					add("aggregate %s group %q %s: sluice %s, peer %s", t, k, c, fmtVal(wv), fmtVal(pv))
				case wv != nil && !relClose(*wv, *pv, rel):
					add("aggregate %s group %q %s: sluice %s, peer %s (relative tolerance %g)", t, k, c, fmtVal(wv), fmtVal(pv), rel)
				}
			}
		}
	}
	if peer.Fitted != nil {
		compareFitted(want, peer, add)
	}
	if n > len(probs) {
		probs = append(probs, fmt.Sprintf("... and %d more", n-len(probs)))
	}
	return probs
}

// FitSE is how many standard errors a peer's fitted number may differ from
// sluice's. The peers rank rows by their own native hash, so their train
// rows are a different exact sample of each group (the same count per
// group): their fitted means, deviations, medians and quantiles differ by
// sampling alone, by about std/sqrt(train rows).
const FitSE = 10

// compareFitted checks the peer's fitted statistics against sluice's:
// transforms and hash buckets equal; one-hot categories the same set;
// vocabularies sharing at least 95 % of their entries; numbers within
// FitSE standard errors.
func compareFitted(want, peer *Outcome, add func(string, ...any)) {
	n := want.Splits["train"]
	if n == 0 {
		for _, v := range want.Splits {
			n = max(n, v)
		}
	}
	root := math.Sqrt(float64(max(n, 1)))
	for _, name := range unionKeys(want.Fitted, peer.Fitted) {
		w, wok := want.Fitted[name]
		p, pok := peer.Fitted[name]
		if !wok || !pok {
			add("fitted %s: missing in %s", name, map[bool]string{true: "sluice", false: "peer"}[!wok])
			continue
		}
		if w.Transform != p.Transform || w.Buckets != p.Buckets {
			add("fitted %s: sluice %s (buckets %d), peer %s (buckets %d)", name, w.Transform, w.Buckets, p.Transform, p.Buckets)
			continue
		}
		num := func(what string, a, b *float64, spread float64) {
			if (a == nil) != (b == nil) {
				add("fitted %s %s: sluice %s, peer %s", name, what, fmtVal(a), fmtVal(b))
				return
			}
			if a != nil && math.Abs(*a-*b) > FitSE*spread/root+1e-9*math.Abs(*a) {
				add("fitted %s %s: sluice %s, peer %s (more than %d standard errors apart)", name, what, fmtVal(a), fmtVal(b), FitSE)
			}
		}
		if w.Std != nil {
			num("mean", w.Mean, p.Mean, *w.Std)
			num("std", w.Std, p.Std, *w.Std)
			num("fill", w.Fill, p.Fill, *w.Std)
		}
		if w.Min != nil && w.Max != nil {
			num("min", w.Min, p.Min, *w.Max-*w.Min)
			num("max", w.Max, p.Max, *w.Max-*w.Min)
		}
		if len(w.Boundaries) != len(p.Boundaries) {
			add("fitted %s: sluice %d boundaries, peer %d", name, len(w.Boundaries), len(p.Boundaries))
		} else if k := len(w.Boundaries); k > 0 {
			spread := w.Boundaries[k-1] - w.Boundaries[0]
			for i := range w.Boundaries {
				num(fmt.Sprintf("boundary %d", i), &w.Boundaries[i], &p.Boundaries[i], spread)
			}
		}
		common := 0
		in := map[string]bool{}
		for _, v := range w.Vocab {
			in[v] = true
		}
		for _, v := range p.Vocab {
			if in[v] {
				common++
			}
		}
		longer := max(len(w.Vocab), len(p.Vocab))
		switch {
		case w.Transform == "onehot" && (common != len(w.Vocab) || common != len(p.Vocab)):
			add("fitted %s: one-hot categories differ: sluice %q, peer %q", name, w.Vocab, p.Vocab)
		case w.Transform == "vocab" && float64(common) < 0.95*float64(longer):
			add("fitted %s: vocabularies share %d of %d entries (sluice %d, peer %d), want at least 95 %%", name, common, longer, len(w.Vocab), len(p.Vocab))
		}
	}
}

func fmtVal(v *float64) string {
	if v == nil {
		return "null"
	}
	return strconv.FormatFloat(*v, 'g', 17, 64)
}

func unionKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}
