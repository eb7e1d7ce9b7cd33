package e2e

import (
	"encoding/json"
	"math"
	"slices"
	"testing"

	"github.com/sluice-ml/sluice/sink"
)

// fittedParams mirrors the documented JSON of a fitted transform in
// manifest.json (transforms[].params).
type fittedParams struct {
	Transform  string       `json:"transform"`
	Mean       float64      `json:"mean"`
	Std        float64      `json:"std"`
	Min        float64      `json:"min"`
	Max        float64      `json:"max"`
	Boundaries []float64    `json:"boundaries"`
	Vocab      []vocabValue `json:"vocab"`
	Buckets    int          `json:"buckets"`
	FillKind   string       `json:"fill_kind"`
	Fill       *vocabValue  `json:"fill"`
	TrainRows  int64        `json:"train_rows"`
}

// vocabValue is one typed value of a vocabulary or a fill.
type vocabValue struct {
	Kind string  `json:"kind"`
	I    int64   `json:"i"`
	F    float64 `json:"f"`
	S    string  `json:"s"`
}

// params returns the fitted parameters of a feature, checking that the
// manifest says it was fitted on train.
func params(t *testing.T, m *sink.Manifest, feature string) fittedParams {
	t.Helper()
	for _, tr := range m.Transforms {
		if tr.Feature != feature {
			continue
		}
		if tr.FittedOn != "train" {
			t.Fatalf("transform %s fitted_on %q, want train", feature, tr.FittedOn)
		}
		var p fittedParams
		if err := json.Unmarshal(tr.Params, &p); err != nil {
			t.Fatalf("transform %s params: %v", feature, err)
		}
		return p
	}
	t.Fatalf("no fitted transform for %s in the manifest", feature)
	return fittedParams{}
}

// quantileSamples is the engine's documented sketch capacity
// (task/stage_fit.go quantileSamples) used for the rank error bound.
const quantileSamples = 4096

// TestNoLeakage: every fitted statistic equals the statistic of the train
// rows alone (and differs from the all-rows one where the data allow), and
// every output value is the fitted transform of its raw row.
func TestNoLeakage(t *testing.T) {
	f := loadMain(t)
	split := tripSplits(t, f.tables)
	var train, all []*rawRow
	for _, r := range f.kept() {
		all = append(all, r)
		if split[r.TripID] == "train" {
			train = append(train, r)
		}
	}
	if len(train) == 0 || len(train) == len(all) {
		t.Fatalf("train has %d of %d rows", len(train), len(all))
	}
	pick := func(rows []*rawRow, fn func(*rawRow) float64) []float64 {
		out := make([]float64, len(rows))
		for i, r := range rows {
			out[i] = fn(r)
		}
		return out
	}
	dur := func(r *rawRow) float64 { return float64(r.Duration) }
	age := func(r *rawRow) float64 { return float64(2020 - r.BirthYear) }

	// zscore: mean and sample std of train, different from all rows.
	for _, c := range []struct {
		name string
		fn   func(*rawRow) float64
	}{{"tripduration", dur}, {"age", age}} {
		p := params(t, f.m, c.name)
		mean, std := moments(pick(train, c.fn))
		if !relClose(p.Mean, mean, 1e-9) || !relClose(p.Std, std, 1e-9) || p.TrainRows != int64(len(train)) {
			t.Fatalf("%s: fitted mean/std/rows %v/%v/%d, train oracle %v/%v/%d", c.name, p.Mean, p.Std, p.TrainRows, mean, std, len(train))
		}
		amean, astd := moments(pick(all, c.fn))
		if relClose(p.Mean, amean, 1e-9) || relClose(p.Std, astd, 1e-9) {
			t.Fatalf("%s: fitted mean/std %v/%v equal the all-rows statistics %v/%v: the test cannot tell train from all", c.name, p.Mean, p.Std, amean, astd)
		}
	}
	// fill median of age: within the sketch's rank error of the train median.
	ap := params(t, f.m, "age")
	trainAges := pick(train, age)
	slices.Sort(trainAges)
	eps := sketchRankError(len(trainAges), quantileSamples)
	if ap.FillKind != "median" || ap.Fill == nil || !withinRank(trainAges, ap.Fill.F, 0.5, eps) {
		t.Fatalf("age fill %+v (%s) is not the train median within rank error %g", ap.Fill, ap.FillKind, eps)
	}

	// minmax: exact train min and max; starttime's differ from all rows'.
	starttime := func(r *rawRow) float64 { return float64(r.Start) }
	bike := func(r *rawRow) float64 { return float64(r.BikeID) }
	for _, c := range []struct {
		name       string
		fn         func(*rawRow) float64
		mustDiffer bool
	}{{"bikeid", bike, false}, {"starttime", starttime, true}} {
		p := params(t, f.m, c.name)
		tmin, tmax := minMax(pick(train, c.fn))
		if p.Min != tmin || p.Max != tmax {
			t.Fatalf("%s: fitted min/max %v/%v, train oracle %v/%v", c.name, p.Min, p.Max, tmin, tmax)
		}
		amin, amax := minMax(pick(all, c.fn))
		if c.mustDiffer && amin == tmin && amax == tmax {
			t.Fatalf("%s: all-rows min/max equal train's: the test cannot tell train from all", c.name)
		}
	}

	// vocab: count desc then value asc; top_k 300 (the cut falls among
	// stations of close counts) and min_count 8 (~4 trips per bike).
	vocabID := map[string]map[int64]int64{}
	for _, c := range []struct {
		name     string
		fn       func(*rawRow) int64
		topK     int
		minCount int64
	}{
		{"start_station_id", func(r *rawRow) int64 { return r.StartID }, 300, 5},
		{"bike", func(r *rawRow) int64 { return r.BikeID }, 0, 8},
	} {
		vals := func(rows []*rawRow) []int64 {
			out := make([]int64, len(rows))
			for i, r := range rows {
				out[i] = c.fn(r)
			}
			return out
		}
		vp := params(t, f.m, c.name)
		want := vocabOracle(vals(train), c.topK, c.minCount)
		got := make([]int64, len(vp.Vocab))
		ids := map[int64]int64{}
		for i, v := range vp.Vocab {
			got[i] = v.I
			ids[v.I] = int64(i + 1)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s vocab\n got %v\nwant %v (train oracle)", c.name, got, want)
		}
		if slices.Equal(vocabOracle(vals(all), c.topK, c.minCount), want) {
			t.Fatalf("%s: the all-rows vocabulary equals train's: the test cannot tell train from all", c.name)
		}
		vocabID[c.name] = ids
	}
	// onehot vocabularies.
	strs := func(rows []*rawRow, fn func(*rawRow) string) []string {
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = fn(r)
		}
		return out
	}
	onehot := map[string]func(*rawRow) string{
		"gender":   func(r *rawRow) string { return r.Gender },
		"usertype": func(r *rawRow) string { return r.UserType },
	}
	onehotVocab := map[string][]string{}
	for name, fn := range onehot {
		p := params(t, f.m, name)
		want := vocabOracle(strs(train, fn), 0, 1)
		var got []string
		for _, v := range p.Vocab {
			got = append(got, v.S)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s onehot vocab %v, train oracle %v", name, got, want)
		}
		onehotVocab[name] = got
	}
	// bucketize boundaries: train quantiles at i/8 within the rank error.
	bp := params(t, f.m, "end_station_id")
	ends := pick(train, func(r *rawRow) float64 { return float64(r.EndID) })
	slices.Sort(ends)
	eps = sketchRankError(len(ends), quantileSamples)
	if len(bp.Boundaries) != 7 {
		t.Fatalf("end_station_id: %d boundaries, want 7 (900 distinct values)", len(bp.Boundaries))
	}
	for i, b := range bp.Boundaries {
		if !withinRank(ends, b, float64(i+1)/8, eps) {
			t.Fatalf("end_station_id boundary %d = %v is not the train %d/8 quantile within rank error %g", i, b, i+1, eps)
		}
		if i > 0 && b <= bp.Boundaries[i-1] {
			t.Fatalf("end_station_id boundaries not increasing: %v", bp.Boundaries)
		}
	}

	// Every output row is the fitted transform of its raw row.
	tp, agp, bkp, stp := params(t, f.m, "tripduration"), ap, params(t, f.m, "bikeid"), params(t, f.m, "starttime")
	oov := map[string]int{} // rows out of vocabulary, per vocab feature
	total := 0
	for name, shards := range f.tables {
		for _, tb := range shards {
			total += tb.Rows
			ids := tb.col(t, "trip_id")
			for i := 0; i < tb.Rows; i++ {
				r := f.byID[ids.I64[i]]
				checkF32(t, tb, "tripduration", i, float32((float64(r.Duration)-tp.Mean)/tp.Std), name, r)
				checkF32(t, tb, "age", i, float32((float64(2020-r.BirthYear)-agp.Mean)/agp.Std), name, r)
				checkF32(t, tb, "bikeid", i, float32((float64(r.BikeID)-bkp.Min)/(bkp.Max-bkp.Min)), name, r)
				checkF32(t, tb, "starttime", i, float32((float64(r.Start)-stp.Min)/(stp.Max-stp.Min)), name, r)
				if got, want := tb.col(t, "start_station_id").I64[i], vocabID["start_station_id"][r.StartID]; got != want {
					t.Fatalf("%s trip %d: start_station_id id %d, want %d (station %d)", name, r.TripID, got, want, r.StartID)
				} else if got == 0 {
					oov["start_station_id"]++
				}
				if got, want := tb.col(t, "bike").I64[i], vocabID["bike"][r.BikeID]; got != want {
					t.Fatalf("%s trip %d: bike id %d, want %d (bike %d)", name, r.TripID, got, want, r.BikeID)
				} else if got == 0 {
					oov["bike"]++
				}
				var bucket int64
				for _, b := range bp.Boundaries {
					if b <= float64(r.EndID) {
						bucket++
					}
				}
				if got := tb.col(t, "end_station_id").I64[i]; got != bucket {
					t.Fatalf("%s trip %d: end_station_id bucket %d, want %d (station %d)", name, r.TripID, got, bucket, r.EndID)
				}
				for feat, fn := range onehot {
					v, hit := fn(r), false
					for _, w := range onehotVocab[feat] {
						want := float32(0)
						if w == v {
							want, hit = 1, true
						}
						checkF32(t, tb, feat+"="+w, i, want, name, r)
					}
					oov := float32(1)
					if hit {
						oov = 0
					}
					checkF32(t, tb, feat+"=__oov__", i, oov, name, r)
				}
				if got := tb.col(t, "birth_year").I64[i]; got != r.BirthYear {
					t.Fatalf("%s trip %d: label %d, raw %d", name, r.TripID, got, r.BirthYear)
				}
			}
		}
	}
	for _, name := range []string{"start_station_id", "bike"} {
		if oov[name] == 0 || oov[name] == total {
			t.Fatalf("%s: %d of %d rows out of vocabulary; the data must exercise both", name, oov[name], total)
		}
	}
}

// checkF32 fails unless column name of row i is exactly want.
func checkF32(t *testing.T, tb *table, name string, i int, want float32, split string, r *rawRow) {
	t.Helper()
	c := tb.col(t, name)
	if c.F32 == nil {
		t.Fatalf("column %s is %s, want float32", name, c.Type)
	}
	if got := c.F32[i]; math.Float32bits(got) != math.Float32bits(want) || !c.Valid[i] {
		t.Fatalf("%s trip %d: %s = %v (valid %v), want %v", split, r.TripID, name, got, c.Valid[i], want)
	}
}

func minMax(xs []float64) (float64, float64) {
	return slices.Min(xs), slices.Max(xs)
}
