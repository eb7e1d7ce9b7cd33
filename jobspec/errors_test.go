package jobspec

import "testing"

func TestErrorFormat(t *testing.T) {
	cases := []struct {
		e    *Error
		want string
	}{
		{Errorf("job.yaml", 14, "split.ratios", "ratios must sum to 1 (got %s)", "1.05"), "job.yaml:14: split.ratios: ratios must sum to 1 (got 1.05)"},
		{Errorf("job.yaml", 0, "output.overwrite", "bad"), "job.yaml: output.overwrite: bad"},
		{Errorf("job.yaml", 3, "", "invalid YAML: x"), "job.yaml:3: invalid YAML: x"},
		{Errorf("job.yaml", 0, "", "empty"), "job.yaml: empty"},
	}
	for _, c := range cases {
		if got := c.e.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"", "abc", 3}, {"abc", "", 3}, {"kitten", "sitting", 3},
		{"ratio", "ratios", 1}, {"zscor", "zscore", 1}, {"topk", "top_k", 1}, {"flaw", "lawn", 2},
	}
	for _, c := range cases {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
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
		{"feature", topKeys, "features"},
		{"outptu", topKeys, "output"},
		{"fallbak", []string{"prefer", "fallback"}, "fallback"},
		{"minmax", Transforms, "minmax"},
		{"standardize", Transforms, ""}, // nothing close: no suggestion
		{"x", []string{"by", "key"}, ""},
		{"q", nil, ""},
	}
	for _, c := range cases {
		if got := suggest(c.got, c.allowed); got != c.want {
			t.Errorf("suggest(%q) = %q, want %q", c.got, got, c.want)
		}
	}
	if got, want := unknownMsg("key", "ratio", []string{"by", "ratios"}), `unknown key "ratio"; did you mean "ratios"? (allowed: by, ratios)`; got != want {
		t.Errorf("unknownMsg = %q, want %q", got, want)
	}
	if got, want := unknownMsg("transform", "standardize", []string{"zscore"}), `unknown transform "standardize" (allowed: zscore)`; got != want {
		t.Errorf("unknownMsg = %q, want %q", got, want)
	}
}
