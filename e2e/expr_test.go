package e2e

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ml/sluice/cli"
	"github.com/sluice-ml/sluice/sink"
)

// exprJob filters and derives columns with case, if, casts, like and the
// string and date functions.
const exprJob = `name: e2e-exprs
input:
  path: %DATA%
  format: parquet
filter: |
  starts_with(lower(usertype), 'sub')
    and day_of_week(starttime) <= 5
    and start_station_name not like '%&%Ave%'
columns:
  dow: day_of_week(starttime)
  part: case when hour(starttime) < 6 then 'night' when hour(starttime) < 12 then 'morning' when hour(starttime) < 18 then 'afternoon' else 'evening' end
  tail3: upper(substr(start_station_name, -5, 3))
  name_len: length(start_station_name)
  who: concat(lower(usertype), ':', gender)
  age: if(birth_year is null, -1, 2020 - birth_year)
  days: date_diff('day', '2019-01-01', starttime)
  weeks: date_diff('week', '2019-01-01', starttime)
  minutes: cast(tripduration / 60 as int64)
  dur_s: cast(tripduration as string)
  ave: cast(start_station_name like '%Ave' as int64)
  day_s: substr(cast(starttime as string), 1, 10)
features:
  tripduration: {transform: zscore}
label:
  bikeid: {fill: none}
keep: [trip_id, dow, part, tail3, name_len, who, age, days, weeks, minutes, dur_s, ave, day_s]
output:
  path: %OUT%
  shards: 2
`

// TestExpressionsThroughSubmit runs exprJob with `driver submit` on
// generated Parquet files (strings arrive dictionary-encoded) and checks
// every output row's derived values against plain Go over the input rows.
func TestExpressionsThroughSubmit(t *testing.T) {
	dir := t.TempDir()
	data, out := filepath.Join(dir, "data"), filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	if code := cli.Driver([]string{"gen", "citibike", "--rows", "6000", "--out", data, "--files", "2"}, &stdout, &stderr); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr.String())
	}
	job := filepath.Join(dir, "job.yaml")
	text := strings.NewReplacer("%DATA%", data, "%OUT%", out).Replace(exprJob)
	if err := os.WriteFile(job, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := cli.Driver([]string{"submit", job, "--local", "2", "--quiet", "--work-dir", filepath.Join(dir, "work")}, &stdout, &stderr); code != 0 {
		t.Fatalf("submit: exit %d: %s", code, stderr.String())
	}
	m, err := sink.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}

	// The oracle: the input rows, read back from the Parquet files.
	files, _ := filepath.Glob(filepath.Join(data, "*.parquet"))
	want := map[int64]map[string]string{}
	read := 0
	for _, f := range files {
		tb := readTable(t, f)
		read += tb.Rows
		for i := 0; i < tb.Rows; i++ {
			if r, ok := exprOracle(t, tb, i); ok {
				want[tb.col(t, "trip_id").I64[i]] = r
			}
		}
	}
	if read != 6000 || len(want) == 0 || len(want) == read {
		t.Fatalf("read %d rows, %d kept: the filter should keep some and drop some", read, len(want))
	}
	got := 0
	for _, shards := range splitTables(t, out, m) {
		for _, tb := range shards {
			for i := 0; i < tb.Rows; i++ {
				id := tb.col(t, "trip_id").I64[i]
				w, ok := want[id]
				if !ok {
					t.Fatalf("trip %d is in the output but the filter drops it", id)
				}
				got++
				for name, v := range w {
					c := tb.col(t, name)
					g := "null"
					switch {
					case !c.Valid[i]:
					case c.S != nil:
						g = c.S[i]
					default:
						g = strconv.FormatInt(c.I64[i], 10)
					}
					if g != v {
						t.Errorf("trip %d %s = %q, want %q", id, name, g, v)
					}
				}
			}
		}
	}
	if got != len(want) {
		t.Errorf("output has %d rows, the oracle keeps %d", got, len(want))
	}
}

// exprOracle evaluates exprJob's filter and columns on row i of the input.
func exprOracle(t *testing.T, tb *table, i int) (map[string]string, bool) {
	str := func(name string) (string, bool) {
		c := tb.col(t, name)
		return c.S[i], c.Valid[i]
	}
	user, userOK := str("usertype")
	name, nameOK := str("start_station_name")
	gender, genderOK := str("gender")
	tsc, dur, by := tb.col(t, "starttime"), tb.col(t, "tripduration"), tb.col(t, "birth_year")
	if !userOK || !nameOK || !tsc.Valid[i] || !dur.Valid[i] {
		return nil, false // the generator writes these; a null would fail the filter
	}
	start := time.UnixMicro(tsc.I64[i]).UTC()
	iso := (int(start.Weekday())+6)%7 + 1
	amp := strings.Index(name, "&")
	if !strings.HasPrefix(strings.ToLower(user), "sub") || iso > 5 || (amp >= 0 && strings.Contains(name[amp+1:], "Ave")) {
		return nil, false
	}
	r := map[string]string{"dow": strconv.Itoa(iso)}
	switch h := start.Hour(); {
	case h < 6:
		r["part"] = "night"
	case h < 12:
		r["part"] = "morning"
	case h < 18:
		r["part"] = "afternoon"
	default:
		r["part"] = "evening"
	}
	runes := []rune(name)
	lo := max(len(runes)-5, 0)
	hi := max(min(len(runes)-5+3, len(runes)), 0)
	r["tail3"] = strings.ToUpper(string(runes[lo:max(lo, hi)]))
	r["name_len"] = strconv.Itoa(len(runes))
	r["who"] = strings.ToLower(user) + ":"
	if genderOK {
		r["who"] += gender
	}
	r["age"] = "-1"
	if by.Valid[i] {
		r["age"] = strconv.FormatInt(2020-by.I64[i], 10)
	}
	epoch := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int64(math.Floor(float64(start.Truncate(24*time.Hour).Unix()-epoch.Unix()) / 86400))
	r["days"] = strconv.FormatInt(days, 10)
	r["weeks"] = strconv.FormatInt(days/7, 10)
	r["minutes"] = strconv.FormatInt(int64(math.Round(float64(dur.I64[i])/60)), 10)
	r["dur_s"] = strconv.FormatInt(dur.I64[i], 10)
	r["ave"] = "0"
	if strings.HasSuffix(name, "Ave") {
		r["ave"] = "1"
	}
	r["day_s"] = start.Format("2006-01-02")
	return r, true
}
