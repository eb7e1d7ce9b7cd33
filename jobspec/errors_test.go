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
