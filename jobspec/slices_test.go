package jobspec

import "testing"

func TestSlicesParse(t *testing.T) {
	j, err := Parse("job.yaml", []byte(pre+"keep: [a]\nslices: [gender, usertype]\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := j.Slices; len(s.Columns) != 2 || s.Columns[1].Name != "usertype" || s.Columns[1].Line != 5 || s.Top != DefaultSliceTop || s.Line != 5 {
		t.Errorf("list form: %+v", s)
	}
	j, err = Parse("job.yaml", []byte(pre+"keep: [a]\nslices:\n  columns: [gender]\n  top: 3\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := j.Slices; len(s.Columns) != 1 || s.Columns[0].Name != "gender" || s.Top != 3 {
		t.Errorf("mapping form: %+v", s)
	}
	j, err = Parse("job.yaml", []byte(pre+"keep: [a]\n"), nil)
	if err != nil || len(j.Slices.Columns) != 0 || j.Slices.Top != DefaultSliceTop {
		t.Errorf("absent: %+v %v", j.Slices, err)
	}
}

func TestSlicesBad(t *testing.T) {
	runBad(t, []badCase{
		{"twice", pre + "keep: [a]\nslices: [g, g]\n", nil, 5, "slices[1]", `column "g" is listed twice`},
		{"too many", pre + "keep: [a]\nslices: [c1, c2, c3, c4, c5, c6, c7, c8, c9]\n", nil, 5, "slices", "9 slice columns; at most 8 are allowed"},
		{"unknown key", pre + "keep: [a]\nslices: {columns: [g], tops: 3}\n", nil, 5, "slices.tops", `unknown key "tops"`},
		{"top zero", pre + "keep: [a]\nslices:\n  columns: [g]\n  top: 0\n", nil, 7, "slices.top", "expected an integer >= 1 (got 0)"},
		{"top too big", pre + "keep: [a]\nslices: {columns: [g], top: 5000}\n", nil, 5, "slices.top", "expected an integer <= 1000"},
		{"no columns", pre + "keep: [a]\nslices: {top: 5}\n", nil, 5, "slices.columns", "required"},
		{"not names", pre + "keep: [a]\nslices: [[a]]\n", nil, 5, "slices[0]", "a column name"},
	})
}
