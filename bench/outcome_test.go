package bench

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func f(x float64) *float64 { return &x }

func sample() *Outcome {
	return &Outcome{
		Rows:   10,
		Splits: map[string]int64{"train": 9, "eval": 1},
		Groups: map[string]map[string]int64{"train": {"a": 5, "b": 4}, "eval": {"a": 1}},
		Aggregates: map[string]map[string]map[string]*float64{
			"t": {"1": {"n": f(6), "mean": f(1.5), "std": nil}},
		},
	}
}

func TestCompare(t *testing.T) {
	job := Job{Name: "x", Grouped: true}
	if p := Compare(sample(), sample(), job, 1e-9, 10); len(p) != 0 {
		t.Fatalf("equal outcomes: %v", p)
	}
	close := sample()
	close.Aggregates["t"]["1"]["mean"] = f(1.5 * (1 + 1e-12))
	if p := Compare(sample(), close, job, 1e-9, 10); len(p) != 0 {
		t.Fatalf("within 1e-9: %v", p)
	}
	cases := []struct {
		change func(o *Outcome)
		want   string
	}{
		{func(o *Outcome) { o.Splits["eval"] = 2 }, "split eval: sluice 1 rows, peer 2"},
		{func(o *Outcome) { o.Groups["train"]["b"] = 3; o.Groups["train"]["c"] = 1 }, `split train group "b": sluice 4 rows, peer 3`},
		{func(o *Outcome) { o.Aggregates["t"]["1"]["mean"] = f(1.5 * (1 + 1e-8)) }, `aggregate t group "1" mean`},
		{func(o *Outcome) { o.Aggregates["t"]["1"]["std"] = f(0) }, `aggregate t group "1" std: sluice null, peer 0`},
		{func(o *Outcome) { delete(o.Aggregates["t"], "1") }, `aggregate t group "1": missing in peer`},
		{func(o *Outcome) { delete(o.Aggregates, "t") }, "aggregate table t: missing in peer"},
	}
	for _, c := range cases {
		peer := sample()
		c.change(peer)
		p := Compare(sample(), peer, job, 1e-9, 10)
		if len(p) == 0 || !strings.Contains(strings.Join(p, "\n"), c.want) {
			t.Errorf("want a problem containing %q, got %v", c.want, p)
		}
	}
	// Groups are only compared for grouped jobs, splits not for
	// aggregates-only jobs.
	peer := sample()
	peer.Groups["train"]["a"] = 0
	peer.Splits["train"] = 0
	if p := Compare(sample(), peer, Job{AggregatesOnly: true}, 1e-9, 10); len(p) != 0 {
		t.Fatalf("aggregates-only job compared rows: %v", p)
	}
	// The limit keeps the first problems and counts the rest.
	peer = sample()
	peer.Groups["train"] = map[string]int64{"x": 1, "y": 1, "z": 1}
	p := Compare(sample(), peer, job, 1e-9, 2)
	if len(p) != 3 || p[2] != "... and 3 more" {
		t.Fatalf("limited problems: %v", p)
	}
}

// TestCountStringsAndAggRows reads string, dictionary and numeric columns
// the way the shards and aggregate tables hold them.
func TestCountStringsAndAggRows(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)

	sb := array.NewStringBuilder(mem)
	sb.AppendValues([]string{"a", "b", "a"}, nil)
	sb.AppendNull()
	strs := sb.NewArray()
	defer strs.Release()

	db := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
	for _, s := range []string{"b", "b", "c"} {
		if err := db.AppendString(s); err != nil {
			t.Fatal(err)
		}
	}
	db.AppendNull()
	dict := db.NewArray()
	defer dict.Release()
	db.Release()
	sb.Release()

	counts := map[string]int64{}
	if err := countStrings(strs, counts); err != nil {
		t.Fatal(err)
	}
	if err := countStrings(dict, counts); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"a": 2, "b": 3, "c": 1, "<null>": 2}
	if len(counts) != len(want) {
		t.Fatalf("counts %v, want %v", counts, want)
	}
	for k, n := range want {
		if counts[k] != n {
			t.Fatalf("counts %v, want %v", counts, want)
		}
	}

	ib := array.NewInt64Builder(mem)
	ib.AppendValues([]int64{7, 9}, nil)
	keys := ib.NewArray()
	defer keys.Release()
	ib.Release()
	fb := array.NewFloat64Builder(mem)
	fb.AppendValues([]float64{2.5, 0}, []bool{true, false})
	vals := fb.NewArray()
	defer vals.Release()
	fb.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "m", Type: arrow.PrimitiveTypes.Float64, Nullable: true}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{keys, vals}, 2)
	defer rec.Release()
	table := map[string]map[string]*float64{}
	if err := aggRows(rec, []string{"id"}, table); err != nil {
		t.Fatal(err)
	}
	if len(table) != 2 || *table["7"]["m"] != 2.5 || table["9"]["m"] != nil {
		t.Fatalf("aggregate rows %v", table)
	}
	if err := countStrings(keys, counts); err == nil {
		t.Fatal("countStrings accepted an int64 column")
	}
}

// TestCompareFitted: fitted statistics agree within FitSE standard errors
// (std / sqrt(train rows)); categories and transforms must match.
func TestCompareFitted(t *testing.T) {
	job := Job{Name: "x"}
	// 10000 train rows, std 100: one standard error is 1.
	base := func() *Outcome {
		o := sample()
		o.Splits = map[string]int64{"train": 10000, "eval": 1000}
		o.Groups = nil
		o.Fitted = map[string]Fitted{
			"d":  {Transform: "zscore", Mean: f(500), Std: f(100), Fill: f(450)},
			"g":  {Transform: "onehot", Vocab: []string{"M", "F"}},
			"s":  {Transform: "vocab", Vocab: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"}},
			"h":  {Transform: "bucketize", Buckets: 4, Boundaries: []float64{10, 20, 30}},
			"e":  {Transform: "hash", Buckets: 64},
			"mm": {Transform: "minmax", Min: f(0), Max: f(1000)},
		}
		return o
	}
	ok := base()
	ok.Fitted["d"] = Fitted{Transform: "zscore", Mean: f(509), Std: f(92), Fill: f(441)}
	ok.Fitted["g"] = Fitted{Transform: "onehot", Vocab: []string{"F", "M"}}
	heavy := base()
	heavy.Fitted["d"] = Fitted{Transform: "zscore", Mean: f(500), Std: f(130), Kurtosis: f(101), Fill: f(450)}
	if p := Compare(base(), heavy, job, 1e-9, 10); len(p) != 0 {
		t.Fatalf("a heavy-tailed std 30 apart (6 of its standard errors): %v", p)
	}
	s := ok.Fitted["s"]
	s.Vocab = append(append([]string{}, s.Vocab[:19]...), "99") // 19 of 20 shared
	ok.Fitted["s"] = s
	if p := Compare(base(), ok, job, 1e-9, 10); len(p) != 0 {
		t.Fatalf("within tolerance: %v", p)
	}
	// A peer that reports no fitted statistics is not checked on them.
	none := base()
	none.Fitted = nil
	if p := Compare(base(), none, job, 1e-9, 10); len(p) != 0 {
		t.Fatalf("no fitted statistics: %v", p)
	}
	cases := []struct {
		change func(o *Outcome)
		want   string
	}{
		{func(o *Outcome) { o.Fitted["d"] = Fitted{Transform: "zscore", Mean: f(511), Std: f(100), Fill: f(450)} }, "fitted d mean: sluice 500, peer 511"},
		{func(o *Outcome) { o.Fitted["d"] = Fitted{Transform: "zscore", Mean: f(500), Std: f(100)} }, "fitted d fill: sluice 450, peer null"},
		// Ten standard errors of a std from a kurtosis-5 sample is 10; from
		// a kurtosis-101 sample it is 50, so 30 apart is fine there only.
		{func(o *Outcome) { o.Fitted["d"] = Fitted{Transform: "zscore", Mean: f(500), Std: f(130), Fill: f(450)} }, "fitted d std: sluice 100, peer 130"},
		{func(o *Outcome) {
			o.Fitted["d"] = Fitted{Transform: "zscore", Mean: f(500), Std: f(130), Kurtosis: f(5), Fill: f(450)}
		}, "fitted d std: sluice 100, peer 130"},
		{func(o *Outcome) { o.Fitted["g"] = Fitted{Transform: "onehot", Vocab: []string{"M", "F", "U"}} }, "fitted g: one-hot categories differ"},
		{func(o *Outcome) { s := o.Fitted["s"]; s.Vocab = s.Vocab[:18]; o.Fitted["s"] = s }, "fitted s: vocabularies share 18 of 20"},
		{func(o *Outcome) {
			o.Fitted["h"] = Fitted{Transform: "bucketize", Buckets: 4, Boundaries: []float64{10, 20}}
		}, "fitted h: sluice 3 boundaries, peer 2"},
		{func(o *Outcome) {
			o.Fitted["h"] = Fitted{Transform: "bucketize", Buckets: 4, Boundaries: []float64{10, 23, 30}}
		}, "fitted h boundary 1"},
		{func(o *Outcome) { o.Fitted["e"] = Fitted{Transform: "hash", Buckets: 32} }, "fitted e: sluice hash (buckets 64), peer hash (buckets 32)"},
		{func(o *Outcome) { o.Fitted["mm"] = Fitted{Transform: "minmax", Min: f(0), Max: f(1101)} }, "fitted mm max"},
		{func(o *Outcome) { delete(o.Fitted, "d") }, "fitted d: missing in peer"},
	}
	for _, c := range cases {
		peer := base()
		c.change(peer)
		p := Compare(base(), peer, job, 1e-9, 10)
		if len(p) == 0 || !strings.Contains(strings.Join(p, "\n"), c.want) {
			t.Errorf("want a problem containing %q, got %v", c.want, p)
		}
	}
}
