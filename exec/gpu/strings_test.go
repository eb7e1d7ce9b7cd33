package gpu

import (
	"errors"
	"fmt"
	"github.com/sluice-ml/sluice/exec/gpu/aggregate"
	"github.com/sluice-ml/sluice/exec/gpu/transform"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/cpu/stats"
	"github.com/sluice-ml/sluice/hashing"

	"github.com/sluice-ml/sluice/exec/gpu/launch"

	"github.com/sluice-ml/sluice/exec/gpu/device"
)

// word returns a random string of 0..70 bytes (every xxHash64 tail and
// the 32-byte stripe loop), some multi-byte UTF-8.
func (g *gen) word() string {
	n := g.r.IntN(71)
	if g.r.IntN(4) == 0 {
		n = g.r.IntN(6)
	}
	var b strings.Builder
	for b.Len() < n {
		if g.r.IntN(10) == 0 {
			b.WriteString("é")
		} else {
			b.WriteByte(byte('a' + g.r.IntN(26)))
		}
	}
	return b.String()
}

// words returns a pool of distinct strings.
func (g *gen) words(n int) []string {
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		w := g.word()
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// strs returns a utf8 (or large_utf8) column drawn from pool (+1).
func (g *gen) strs(n int, pool []string, large, sliced bool) arrow.Array {
	m := n + extra(sliced)
	var b array.Builder
	if large {
		b = array.NewLargeStringBuilder(g.mem)
	} else {
		b = array.NewStringBuilder(g.mem)
	}
	defer b.Release()
	for i := 0; i < m; i++ {
		switch {
		case g.r.IntN(10) == 0:
			b.AppendNull()
		case large:
			b.(*array.LargeStringBuilder).Append(pool[g.r.IntN(len(pool))])
		default:
			b.(*array.StringBuilder).Append(pool[g.r.IntN(len(pool))])
		}
	}
	return slice(b.NewArray(), n, sliced)
}

// dictStrs returns a dictionary<int32, utf8> column drawn from pool (+1).
func (g *gen) dictStrs(n int, pool []string, sliced bool) arrow.Array {
	m := n + extra(sliced)
	b := array.NewDictionaryBuilder(g.mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
	defer b.Release()
	for i := 0; i < m; i++ {
		if g.r.IntN(10) == 0 {
			b.AppendNull()
		} else if err := b.AppendString(pool[g.r.IntN(len(pool))]); err != nil {
			panic(err)
		}
	}
	return slice(b.NewArray(), n, sliced)
}

func TestConformanceHashStrings(t *testing.T) {
	forShapes(t, func(t *testing.T, k *launch.Kernels, g *gen, n int, sliced bool) {
		pool := g.words(40)
		cols := map[string]arrow.Array{
			"utf8":       g.strs(n, pool, false, sliced),
			"large_utf8": g.strs(n, pool, true, sliced),
			"dictionary": g.dictStrs(n, pool, sliced),
		}
		for name, col := range cols {
			got, want := make([]uint64, n), make([]uint64, n)
			if err := k.HashColumn(col, got); err != nil {
				t.Fatal(name, err)
			}
			// The oracle: hashing.String per row (hashing.Column does not
			// take large_utf8).
			for i := range want {
				switch {
				case col.IsNull(i):
					want[i] = hashing.NullTag
				case name == "dictionary":
					d := col.(*array.Dictionary)
					want[i] = hashing.String(d.Dictionary().(*array.String).Value(d.GetValueIndex(i)))
				default:
					want[i] = hashing.String(col.ValueStr(i))
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: string hashes differ", name)
			}
			if name != "large_utf8" {
				if err := hashing.Column(col, want); err != nil || !slices.Equal(got, want) {
					t.Errorf("%s: differs from hashing.Column (%v)", name, err)
				}
			}
			col.Release()
		}
	})
}

// vocabCases are fitted vocab/onehot transforms over a column kind.
func vocabCases(kind string, pool []string) map[string]*feature.Fitted {
	var vocab []column.Value
	switch kind {
	case column.KindString:
		for _, s := range pool[:12] {
			vocab = append(vocab, column.Value{Kind: column.KindString, S: s})
		}
		vocab = append(vocab, column.Value{Kind: column.KindString, S: "never seen"}, vocab[3]) // a duplicate keeps its last id
	case column.KindFloat64:
		for _, x := range []float64{1000, 0, -1, 1e-9} {
			vocab = append(vocab, column.Value{Kind: column.KindFloat64, F: x})
		}
		vocab = append(vocab, column.Value{Kind: column.KindInt64, I: 7})
	case column.KindBool:
		vocab = []column.Value{{Kind: column.KindBool, B: true}, {Kind: column.KindInt64, I: 0}}
	default:
		for x := int64(-3); x <= 3; x++ {
			vocab = append(vocab, column.Value{Kind: column.KindInt64, I: x * 2})
		}
		vocab = append(vocab, column.Value{Kind: column.KindFloat64, F: 5})
	}
	fill := vocab[1]
	miss := column.Value{Kind: column.KindInt64, I: 123456}
	if kind == column.KindString {
		miss = column.Value{Kind: column.KindString, S: "zz-missing"}
	}
	return map[string]*feature.Fitted{
		"vocab":           {Transform: "vocab", Vocab: vocab},
		"vocab-fill":      {Transform: "vocab", Vocab: vocab, Fill: &fill},
		"vocab-fill-oov":  {Transform: "vocab", Vocab: vocab, Fill: &miss},
		"vocab-empty":     {Transform: "vocab"},
		"onehot":          {Transform: "onehot", Vocab: vocab},
		"onehot-fill":     {Transform: "onehot", Vocab: vocab, Fill: &fill},
		"onehot-empty":    {Transform: "onehot"},
		"vocab-bad-entry": {Transform: "vocab", Vocab: []column.Value{{Kind: column.KindFloat64, F: 0.5}, {Kind: column.KindString, S: "x"}}},
	}
}

func TestConformanceVocabOneHot(t *testing.T) {
	forShapes(t, func(t *testing.T, k *launch.Kernels, g *gen, n int, sliced bool) {
		pool := g.words(30)
		cols := map[string]arrow.Array{
			column.KindString:    g.dictStrs(n, pool, sliced),
			column.KindInt64:     g.int64s(n, 0.1, sliced, 8),
			column.KindTimestamp: g.timestamps(n, 0.1, sliced),
			column.KindFloat64:   g.float64s(n, 0.1, sliced, true),
			column.KindBool:      g.bools(n, 0.1, sliced),
		}
		for kind, col := range cols {
			for fname, f := range vocabCases(kind, pool) {
				what := fmt.Sprintf("%s/%s", kind, fname)
				wf, wa, werr := feature.Apply("x", f, col, g.mem)
				gf, ga, gerr := transform.Apply(k, "x", f, col, g.mem)
				if (werr != nil) != (gerr != nil) {
					t.Fatalf("%s: cpu error %v, gpu error %v", what, werr, gerr)
				}
				if werr != nil {
					continue
				}
				if !slices.EqualFunc(gf, wf, func(a, b arrow.Field) bool { return a.Equal(b) }) || len(ga) != len(wa) {
					t.Fatalf("%s: fields %v, want %v", what, gf, wf)
				}
				for j := range wa {
					sameArrays(t, fmt.Sprintf("%s[%d]", what, j), ga[j], wa[j])
					ga[j].Release()
					wa[j].Release()
				}
			}
			col.Release()
		}
	})
}

func TestConformanceValueCounts(t *testing.T) {
	forShapes(t, func(t *testing.T, k *launch.Kernels, g *gen, n int, sliced bool) {
		for _, col := range []arrow.Array{g.int64s(n, 0.1, sliced, 50), g.timestamps(n, 0.1, sliced)} {
			var sel []int32
			for i := 0; i < n; i++ {
				if g.r.IntN(3) > 0 {
					sel = append(sel, int32(i))
				}
			}
			for _, s := range [][]int32{nil, sel} {
				var want stats.ValueCounts
				if err := want.Update(col, s); err != nil {
					t.Fatal(err)
				}
				got, err := aggregate.ValueCounts(k, col, s)
				if err != nil {
					t.Fatal(err)
				}
				if got.Kind != want.Kind || got.Nulls != want.Nulls || len(got.Ints) != len(want.Ints) {
					t.Fatalf("value counts: %s %d nulls %d values, want %s %d %d", got.Kind, got.Nulls, len(got.Ints), want.Kind, want.Nulls, len(want.Ints))
				}
				for v, c := range want.Ints {
					if got.Ints[v] != c {
						t.Fatalf("value %d: count %d, want %d", v, got.Ints[v], c)
					}
				}
			}
			col.Release()
		}
		f := g.float64s(n, 0, sliced, false)
		defer f.Release()
		if _, err := aggregate.ValueCounts(k, f, nil); !errors.Is(err, device.ErrUnsupported) {
			t.Fatalf("float value counts: %v", err)
		}
	})
}
