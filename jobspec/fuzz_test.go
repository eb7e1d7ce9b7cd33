package jobspec

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error is an *Error
// naming the file, and that every accepted job satisfies the invariants the
// planner relies on.
func FuzzParse(f *testing.F) {
	f.Add(designExample, "")
	f.Add(head+"keep: [a]\n", "output.overwrite=true")
	f.Add(pre+"features:\n  a: {transform: clip, min: 0, max: 1, fill: {value: 0.5}}\n", "split.seed=7")
	f.Add(pre+"aggregates:\n  s: {by: [a], compute: {n: count(), m: 'mean(x)'}}\n", "")
	f.Add(pre+"keep: [a]\nsplit: {by: a, ratios: {train: 0.25, eval: 0.75}}\n", "split.ratios.test=0")
	f.Add("name: &a t\ninput: {path: *a}\n", "")
	f.Add("a: &x [*x]\n", "")
	f.Add("name: [t\n", "")
	if data, err := os.ReadFile(filepath.Join("testdata", "citibike.yaml")); err == nil {
		f.Add(string(data), "input.generate.rows=1000")
	}
	f.Fuzz(func(t *testing.T, src, set string) {
		var sets []string
		if set != "" {
			sets = []string{set}
		}
		j, err := Parse("fuzz.yaml", []byte(src), sets)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.File != "fuzz.yaml" || e.Msg == "" {
				t.Fatalf("bad error %T %v", err, err)
			}
			return
		}
		if j.Name == "" || j.Output.Path == "" || j.Output.Shards < 1 {
			t.Fatalf("accepted job without name, output path or shards: %+v", j)
		}
		if (j.Input.Path == "") == (j.Input.Generate == nil) {
			t.Fatalf("input must have exactly one of path and generate: %+v", j.Input)
		}
		if j.Input.Generate == nil && j.Input.Format == "" {
			t.Fatalf("path input without a format: %+v", j.Input)
		}
		sum := 0.0
		for _, r := range j.Split.Ratios {
			if !(r.Value > 0 && r.Value <= 1) || !splitNameOK(r.Name) {
				t.Fatalf("bad ratio %+v", r)
			}
			sum += r.Value
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Fatalf("ratios sum to %v", sum)
		}
		for _, ft := range j.Features {
			if !slices.Contains(Transforms, ft.Transform) || ft.Fill.Kind == "" {
				t.Fatalf("bad feature %+v", ft)
			}
			if (ft.Transform == TBucketize || ft.Transform == THash) && ft.Buckets < 2 {
				t.Fatalf("bad buckets %+v", ft)
			}
		}
		for _, a := range j.Aggregates {
			for _, c := range a.Compute {
				if !slices.Contains(AggFuncs, c.Func) || (c.Column == "" && c.Func != AggCount) {
					t.Fatalf("bad aggregate %+v", c)
				}
			}
		}
	})
}
