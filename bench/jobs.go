package bench

import (
	"fmt"
	"strings"
)

// Job is one benchmark job: a sluice job file and, under the same name, the
// peers' version in bench/peers/jobs.mjs.
type Job struct {
	Name  string
	Data  string // "citibike" (generated) or "flights" (data/flights-3m.parquet)
	Micro bool   // a micro-job isolating one stage
	// Grouped says the job writes its split group as the column
	// bench_group, so rows per (split, group) can be counted in the shards.
	Grouped bool
	// AggregatesOnly says the job is about its aggregate tables alone: the
	// peers write no shards, so only the aggregates are compared.
	AggregatesOnly bool
	yaml           string // with {{INPUT}} and {{OUT}}
}

// JobFile returns the sluice job file text reading input (a Parquet file,
// directory or glob) and writing to out.
func (j Job) JobFile(input, out string) string {
	return strings.NewReplacer("{{INPUT}}", quote(input), "{{OUT}}", quote(out)).Replace(j.yaml)
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// Jobs are every benchmark job, reference jobs first.
var Jobs = []Job{
	{Name: "citibike", Data: "citibike", Grouped: true, yaml: citibikeJob("parquet")},
	{Name: "citibike-arrow", Data: "citibike", Grouped: true, yaml: citibikeJob("arrow")},
	{Name: "flights", Data: "flights", Grouped: true, yaml: flightsJob},
	{Name: "scan", Data: "citibike", Micro: true, yaml: scanJob},
	{Name: "groupby", Data: "citibike", Micro: true, AggregatesOnly: true, yaml: groupbyJob},
	{Name: "split", Data: "citibike", Micro: true, Grouped: true, yaml: splitJob},
	{Name: "shuffle", Data: "citibike", Micro: true, yaml: shuffleJob},
	{Name: "shardwrite", Data: "citibike", Micro: true, yaml: shardwriteJob},
}

// SelectJobs resolves a --jobs list: job names, "micro" for every
// micro-job.
func SelectJobs(names []string) ([]Job, error) {
	var out []Job
	seen := map[string]bool{}
	add := func(j Job) {
		if !seen[j.Name] {
			seen[j.Name] = true
			out = append(out, j)
		}
	}
	for _, n := range names {
		n = strings.TrimSpace(n)
		found := false
		for _, j := range Jobs {
			if j.Name == n || (n == "micro" && j.Micro) {
				add(j)
				found = true
			}
		}
		if !found {
			var all []string
			for _, j := range Jobs {
				all = append(all, j.Name)
			}
			return nil, fmt.Errorf("--jobs: no job %q (allowed: %s, micro)", n, strings.Join(all, ", "))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--jobs: no job given")
	}
	return out, nil
}

// citibikeJob is examples/citibike.yaml on Parquet input writing format
// (parquet or arrow) shards, plus the split group kept as bench_group.
func citibikeJob(format string) string {
	return strings.Replace(citibikeYAML, "{{FORMAT}}", format, 1)
}

const citibikeYAML = `name: bench-citibike
input:
  path: {{INPUT}}
  format: parquet
filter: tripduration >= 60 and tripduration < 86400
columns:
  age: 2020 - birth_year
  bench_group: start_station_name
features:
  tripduration: {transform: zscore, fill: median}
  start_station_id: {transform: vocab, top_k: 1000, min_count: 5}
  end_station_id: {transform: hash, buckets: 1024}
  gender: {transform: onehot}
  usertype: {transform: onehot}
label:
  birth_year: {fill: drop}
keep: [trip_id, bench_group]
split:
  by: start_station_name
  ratios: {train: 0.9, eval: 0.1}
  seed: 42
aggregates:
  stations:
    by: [start_station_id]
    compute: {trips: count(), mean_duration: mean(tripduration), std_duration: std(tripduration)}
output:
  path: {{OUT}}
  format: {{FORMAT}}
  compression: zstd
  shards: 8
  shuffle: true
engine:
  prefer: auto
  fallback: allow
`

// flightsJob is examples/flights.yaml, plus the split group kept as
// bench_group.
const flightsJob = `name: bench-flights
input:
  path: {{INPUT}}
  format: parquet
columns:
  hour: hour(date)
  month: month(date)
  bench_group: origin
features:
  distance: {transform: log1p}
  hour: {transform: bucketize, buckets: 8}
  month: {transform: onehot}
  origin: {transform: vocab, min_count: 10}
  destination: {transform: hash, buckets: 512}
label:
  delay: {fill: drop}
keep: [bench_group]
split:
  by: origin
  ratios: {train: 0.8, eval: 0.1, test: 0.1}
  seed: 7
aggregates:
  origins:
    by: [origin]
    compute: {flights: count(), mean_delay: mean(delay), std_delay: std(delay), max_delay: max(delay), destinations: count_distinct(destination)}
output:
  path: {{OUT}}
  format: arrow
  compression: lz4
  shards: 4
`

// scanJob: decode three columns and write them to one shard.
const scanJob = `name: bench-scan
input:
  path: {{INPUT}}
  format: parquet
keep: [trip_id, tripduration, start_station_id]
output:
  path: {{OUT}}
  format: arrow
  compression: lz4
  shards: 1
  shuffle: false
`

// groupbyJob: a filter and one group-by table, no shards.
const groupbyJob = `name: bench-groupby
input:
  path: {{INPUT}}
  format: parquet
filter: tripduration >= 60 and tripduration < 86400
aggregates:
  stations:
    by: [start_station_id]
    compute: {trips: count(), mean_duration: mean(tripduration), std_duration: std(tripduration), max_duration: max(tripduration), bikes: count_distinct(bikeid)}
output:
  path: {{OUT}}
  format: arrow
  compression: lz4
  shards: 1
  shuffle: false
`

// splitJob: the exact stratified split, one small column out.
const splitJob = `name: bench-split
input:
  path: {{INPUT}}
  format: parquet
columns:
  bench_group: start_station_name
keep: [trip_id, bench_group]
split:
  by: start_station_name
  ratios: {train: 0.9, eval: 0.1}
  seed: 42
output:
  path: {{OUT}}
  format: arrow
  compression: lz4
  shards: 1
  shuffle: false
`

// shuffleJob: every row through the (split, shard) exchange into 8
// seeded-shuffled shards.
const shuffleJob = `name: bench-shuffle
input:
  path: {{INPUT}}
  format: parquet
keep: [trip_id, tripduration, end_station_id]
output:
  path: {{OUT}}
  format: arrow
  compression: lz4
  shards: 8
  shuffle: true
`

// shardwriteJob: every input column written to 8 zstd shards.
const shardwriteJob = `name: bench-shardwrite
input:
  path: {{INPUT}}
  format: parquet
keep: [trip_id, tripduration, starttime, start_station_id, start_station_name, end_station_id, usertype, birth_year, gender, bikeid]
output:
  path: {{OUT}}
  format: arrow
  compression: zstd
  shards: 8
  shuffle: false
`
