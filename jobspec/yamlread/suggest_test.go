package yamlread

import "testing"

// sections and transforms are job-file words, as package jobspec lists them.
var (
	sections   = []string{"name", "input", "filter", "columns", "features", "label", "keep", "split", "aggregates", "output", "engine", "slices", "expect"}
	transforms = []string{"identity", "zscore", "minmax", "log1p", "clip", "bucketize", "vocab", "onehot", "hash"}
)

func TestEditDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"", "abc", 3}, {"abc", "", 3}, {"kitten", "sitting", 3},
		{"ratio", "ratios", 1}, {"zscor", "zscore", 1}, {"topk", "top_k", 1}, {"flaw", "lawn", 2},
	}
	for _, c := range cases {
		if got := EditDistance(c.a, c.b); got != c.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	cases := []struct {
		got     string
		allowed []string
		want    string
	}{
		{"ratio", []string{"by", "key", "ratios", "seed"}, "ratios"},
		{"Ratios", []string{"by", "key", "ratios", "seed"}, "ratios"},
		{"feature", sections, "features"},
		{"outptu", sections, "output"},
		{"fallbak", []string{"prefer", "fallback"}, "fallback"},
		{"minmax", transforms, "minmax"},
		{"standardize", transforms, ""}, // nothing close: no suggestion
		{"x", []string{"by", "key"}, ""},
		{"q", nil, ""},
	}
	for _, c := range cases {
		if got := suggest(c.got, c.allowed); got != c.want {
			t.Errorf("suggest(%q) = %q, want %q", c.got, got, c.want)
		}
	}
	if got, want := UnknownMsg("key", "ratio", []string{"by", "ratios"}), `unknown key "ratio"; did you mean "ratios"? (allowed: by, ratios)`; got != want {
		t.Errorf("UnknownMsg = %q, want %q", got, want)
	}
	if got, want := UnknownMsg("transform", "standardize", []string{"zscore"}), `unknown transform "standardize" (allowed: zscore)`; got != want {
		t.Errorf("UnknownMsg = %q, want %q", got, want)
	}
}
