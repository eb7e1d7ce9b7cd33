package planner

import (
	"errors"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/jobspec"
)

// Slice columns must exist and hold exact values; they are cached and
// scanned with the rows.
func TestSlicesValidation(t *testing.T) {
	cases := []struct {
		name  string
		slice string
		want  string
	}{
		{"unknown", "gendr", `job.yaml:30: slices[1]: no column "gendr" (did you mean "gender"?); columns are: trip_id, tripduration, starttime, start_station_id, start_station_name, end_station_id, usertype, birth_year, gender, bikeid, age`},
		{"timestamp", "starttime", `job.yaml:30: slices[1]: "starttime" is a timestamp column; a slice column must be string, int64 or bool`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := citibikeInputs()
			in.Job.Slices = jobspec.Slices{Top: 20, Line: 30, Columns: []jobspec.Field{{Name: "usertype", Line: 30}, {Name: tc.slice, Line: 30}}}
			_, err := Build(in)
			var je *jobspec.Error
			if !errors.As(err, &je) || err.Error() != tc.want {
				t.Fatalf("error\n got: %v\nwant: %s", err, tc.want)
			}
		})
	}
	in := citibikeInputs()
	fields := append(in.Schema.Fields(), arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true})
	in.Schema = arrow.NewSchema(fields, nil)
	in.Job.Slices = jobspec.Slices{Top: 20, Line: 31, Columns: []jobspec.Field{{Name: "score", Line: 31}}}
	if _, err := Build(in); err == nil || err.Error() != `job.yaml:31: slices[0]: "score" is a float64 column: slices group rows by exact values, so a slice column must be string, int64 or bool (bucket it in columns:, e.g. age_band: floor(age / 10))` {
		t.Fatalf("float slice: %v", err)
	}
	in = citibikeInputs()
	in.Job.Slices = jobspec.Slices{Top: 20, Line: 30, Columns: []jobspec.Field{{Name: "bikeid", Line: 30}}}
	p, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(p.CacheColumns, "bikeid") || !slices.Contains(p.ScanColumns, "bikeid") || !slices.Equal(p.Slices, []string{"bikeid"}) {
		t.Errorf("slice column not scanned and cached: scan %v cache %v slices %v", p.ScanColumns, p.CacheColumns, p.Slices)
	}
}
