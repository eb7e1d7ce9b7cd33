package jobspec

import (
	"errors"
	"strings"
	"testing"
)

// pre is a valid job's first three lines; bad cases add line 4 onwards.
const pre = "name: t\ninput: {path: trips.parquet}\noutput: {path: out}\n"

type badCase struct {
	name  string
	yaml  string
	sets  []string
	line  int
	field string
	frag  string
}

func runBad(t *testing.T, cases []badCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j, err := Parse("job.yaml", []byte(c.yaml), c.sets)
			if err == nil {
				t.Fatalf("no error; parsed %+v", j)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not *Error", err, err)
			}
			if e.File != "job.yaml" || e.Line != c.line || e.Field != c.field || !strings.Contains(e.Msg, c.frag) {
				t.Errorf("got  %q (line %d field %q)\nwant line %d field %q msg containing %q", e.Error(), e.Line, e.Field, c.line, c.field, c.frag)
			}
		})
	}
}

func TestBadDocuments(t *testing.T) {
	runBad(t, []badCase{
		{"malformed yaml", "name: t\ninput: {path: [a\n", nil, 2, "", "invalid YAML: did not find expected ',' or ']'"},
		{"scanner error", "name: t\ninput: a: b\n", nil, 2, "", "invalid YAML: mapping values are not allowed"},
		{"parser error", "name: t\ninput:\n  - b\n c: d\n", nil, 4, "", "invalid YAML: did not find expected key"},
		{"error on line 1", "\tname: t\n", nil, 1, "", "invalid YAML: found character that cannot start any token"},
		{"unknown alias", "name: t\ninput:\n  path: *p\n", nil, 3, "", "invalid YAML: unknown anchor 'p' referenced"},
		{"empty file", "# nothing\n", nil, 0, "", "empty"},
		{"top level list", "- a\n- b\n", nil, 1, "", "top level must be a mapping"},
		{"two documents", pre + "keep: [a]\n---\nname: u\n", nil, 5, "", "only one YAML document"},
		{"unknown top key", pre + "keep: [a]\nfeatures_: {}\n", nil, 5, "features_", `did you mean "features"?`},
		{"unknown top key lists allowed", pre + "kep: [a]\n", nil, 4, "kep", "(allowed: name, input, filter, columns, features, label, keep, split, aggregates, output, engine, slices, expect)"},
		{"duplicate key", pre + "keep: [a]\nkeep: [b]\n", nil, 5, "keep", "duplicate key \"keep\" (first on line 4)"},
		{"merge key", pre + "keep: [a]\nsplit:\n  <<: {seed: 1}\n", nil, 6, "split", "merge keys"},
		{"missing name", "input: {path: a.pq}\noutput: {path: o}\nkeep: [a]\n", nil, 0, "name", "required"},
		{"name not a string", "name: [a]\ninput: {path: a.pq}\noutput: {path: o}\nkeep: [a]\n", nil, 1, "name", "expected a job name (got a list)"},
		{"nothing written", pre, nil, 0, "features", "writes no columns"},
	})
}

func TestBadInput(t *testing.T) {
	const tail = "output: {path: o}\nkeep: [a]\n"
	runBad(t, []badCase{
		{"missing input", "name: t\n" + tail, nil, 0, "input", "required"},
		{"path and generate", "name: t\ninput:\n  path: a.pq\n  generate: {kind: citibike, rows: 1}\n" + tail, nil, 4, "input.generate", "not both"},
		{"neither", "name: t\ninput: {format: csv}\n" + tail, nil, 2, "input", "give input.path"},
		{"directory without format", "name: t\ninput:\n  path: data/citibike/\n" + tail, nil, 3, "input.format", "set input.format to parquet, csv or arrow"},
		{"unknown extension", "name: t\ninput: {path: a.csv.gz}\n" + tail, nil, 2, "input.format", "extension .gz"},
		{"bad format", "name: t\ninput: {path: a, format: parqet}\n" + tail, nil, 2, "input.format", `did you mean "parquet"?`},
		{"csv options on parquet", "name: t\ninput:\n  path: a.parquet\n  csv: {header: false}\n" + tail, nil, 4, "input.csv", "only when input.format is csv"},
		{"csv bad type", "name: t\ninput: {path: a.csv, csv: {types: {a: int32}}}\n" + tail, nil, 2, "input.csv.types.a", "(allowed: int64, float64, string, bool, timestamp)"},
		{"csv bad delimiter", "name: t\ninput: {path: a.csv, csv: {delimiter: ab}}\n" + tail, nil, 2, "input.csv.delimiter", "one character"},
		{"csv header not bool", "name: t\ninput: {path: a.csv, csv: {header: yes}}\n" + tail, nil, 2, "input.csv.header", `expected true or false (got "yes")`},
		{"csv null not a list", "name: t\ninput: {path: a.csv, csv: {null: NA}}\n" + tail, nil, 2, "input.csv.null", "expected a list"},
		{"generate kind", "name: t\ninput:\n  generate: {kind: taxi, rows: 5}\n" + tail, nil, 3, "input.generate.kind", "(allowed: citibike)"},
		{"generate rows zero", "name: t\ninput:\n  generate:\n    kind: citibike\n    rows: 0\n" + tail, nil, 5, "input.generate.rows", "expected an integer >= 1 (got 0)"},
		{"generate rows missing", "name: t\ninput:\n  generate: {kind: citibike}\n" + tail, nil, 3, "input.generate.rows", "required"},
		{"generate seed negative", "name: t\ninput: {generate: {kind: citibike, rows: 5, seed: -1}}\n" + tail, nil, 2, "input.generate.seed", "expected an integer >= 0 (got -1)"},
		{"generate files zero", "name: t\ninput: {generate: {kind: citibike, rows: 5, files: 0}}\n" + tail, nil, 2, "input.generate.files", "expected an integer >= 1"},
		{"format with generate", "name: t\ninput: {generate: {kind: citibike, rows: 5}, format: csv}\n" + tail, nil, 2, "input.format", "only to input.path"},
	})
}

func TestBadSections(t *testing.T) {
	runBad(t, []badCase{
		{"empty filter", pre + "keep: [a]\nfilter: ''\n", nil, 5, "filter", "empty"},
		{"filter a list", pre + "keep: [a]\nfilter: [a]\n", nil, 5, "filter", "expected an expression string (got a list)"},
		{"columns not a mapping", pre + "keep: [a]\ncolumns: [a]\n", nil, 5, "columns", "expected a mapping (got a list)"},
		{"empty column name", pre + "keep: [a]\ncolumns:\n  '': a + 1\n", nil, 6, "columns", "must not be empty"},
		{"keep not a list", pre + "keep: {a: 1}\n", nil, 4, "keep", "a column name or a list"},
		{"keep twice", pre + "keep: [a, b, a]\n", nil, 4, "keep[2]", `"a" is listed twice`},
		{"feature also kept", pre + "features:\n  a: zscore\nkeep: [b, a]\n", nil, 6, "keep[1]", `column "a" is already an output in features.a (line 5)`},
		{"label also a feature", pre + "features:\n  a: zscore\nlabel:\n  a: {fill: drop}\n", nil, 7, "label.a", "already an output"},
		{"two labels", pre + "label:\n  a: {}\n  b: {}\n", nil, 4, "label", "exactly one label column (got 2)"},
		{"label unknown option", pre + "label:\n  a: {fil: drop}\n", nil, 5, "label.a.fil", `did you mean "fill"?`},
		{"label fill bad", pre + "label:\n  a: {fill: average}\n", nil, 5, "label.a.fill", `unknown fill "average"`},
	})
}

func TestBadFeatures(t *testing.T) {
	f := func(lines ...string) string { return pre + "features:\n" + strings.Join(lines, "\n") + "\n" }
	runBad(t, []badCase{
		{"missing transform", f("  a: {fill: mean}"), nil, 5, "features.a.transform", "required (allowed: identity, zscore"},
		{"unknown transform", f("  a: {transform: zscor}"), nil, 5, "features.a.transform", `unknown transform "zscor"; did you mean "zscore"?`},
		{"unknown option", f("  a:", "    transform: vocab", "    topk: 10"), nil, 7, "features.a.topk", `did you mean "top_k"?`},
		{"null feature", f("  a:"), nil, 5, "features.a", "expected a mapping like {transform: zscore}"},
		{"buckets on zscore", f("  a: {transform: zscore, buckets: 4}"), nil, 5, "features.a.buckets", "applies only to bucketize and hash (this feature's transform is zscore)"},
		{"top_k on hash", f("  a:", "    transform: hash", "    buckets: 8", "    top_k: 3"), nil, 8, "features.a.top_k", "applies only to vocab and onehot"},
		{"min on minmax", f("  a: {transform: minmax, min: 0}"), nil, 5, "features.a.min", "applies only to clip"},
		{"buckets missing", f("  x: {transform: zscore}", "  a: {transform: bucketize}"), nil, 6, "features.a.buckets", "required for bucketize"},
		{"buckets one", f("  a:", "    transform: hash", "    buckets: 1"), nil, 7, "features.a.buckets", "expected an integer >= 2 (got 1)"},
		{"buckets text", f("  a: {transform: hash, buckets: many}"), nil, 5, "features.a.buckets", `expected an integer >= 2 (got "many")`},
		{"top_k negative", f("  a: {transform: vocab, top_k: -1}"), nil, 5, "features.a.top_k", "expected an integer >= 0 (got -1)"},
		{"min_count zero", f("  a: {transform: onehot, min_count: 0}"), nil, 5, "features.a.min_count", "expected an integer >= 1 (got 0)"},
		{"clip without bounds", f("  a: {transform: clip}"), nil, 5, "features.a", "clip needs min, max or both"},
		{"clip min >= max", f("  a:", "    transform: clip", "    min: 5", "    max: 5"), nil, 8, "features.a.max", "min < max (got min 5, max 5)"},
		{"clip nan", f("  a: {transform: clip, min: .nan}"), nil, 5, "features.a.min", "expected a finite number"},
		{"mean fill on vocab", f("  a: {transform: vocab, fill: mean}"), nil, 5, "features.a.fill", "mean fill needs a numeric transform; vocab allows mode, drop, none or {value: X}"},
		{"median fill on hash", f("  a: {transform: hash, buckets: 4, fill: median}"), nil, 5, "features.a.fill", "median fill needs a numeric transform"},
		{"bare constant fill", f("  a: {transform: zscore, fill: 0}"), nil, 5, "features.a.fill", "for a constant write {value: 0}"},
		{"fill value word", f("  a: {transform: zscore, fill: value}"), nil, 5, "features.a.fill", "write a constant fill as {value: X}"},
		{"fill typo", f("  a: {transform: zscore, fill: meen}"), nil, 5, "features.a.fill", `did you mean "mean"?`},
		{"fill value missing", f("  a:", "    transform: zscore", "    fill: {}"), nil, 7, "features.a.fill.value", "required"},
		{"fill value key typo", f("  a:", "    transform: zscore", "    fill: {valu: 1}"), nil, 7, "features.a.fill.valu", `did you mean "value"?`},
		{"fill value string on zscore", f("  a: {transform: zscore, fill: {value: abc}}"), nil, 5, "features.a.fill.value", `zscore needs a numeric fill value (got "abc")`},
		{"fill value a list", f("  a: {transform: vocab, fill: {value: [1]}}"), nil, 5, "features.a.fill.value", "expected a number, string or bool (got a list)"},
		{"features a list", pre + "features: [a, b]\n", nil, 4, "features", "expected a mapping (got a list)"},
	})
}

func TestBadSplit(t *testing.T) {
	s := func(lines ...string) string { return pre + "keep: [a]\nsplit:\n" + strings.Join(lines, "\n") + "\n" }
	runBad(t, []badCase{
		{"sum", s("  by: a", "  ratios: {train: 0.9, eval: 0.15}"), nil, 7, "split.ratios", "ratios must sum to 1 (got 1.05)"},
		{"sum under", s("  ratios:", "    train: 0.5", "    eval: 0.4"), nil, 6, "split.ratios", "(got 0.9)"},
		{"missing ratios", s("  seed: 3"), nil, 5, "split.ratios", "required"},
		{"empty ratios", s("  ratios: {}"), nil, 6, "split.ratios", "at least one split"},
		{"zero ratio", s("  ratios: {train: 1, eval: 0}"), nil, 6, "split.ratios.eval", "> 0 and <= 1 (got 0)"},
		{"ratio above one", s("  ratios: {train: 1.5, eval: -0.5}"), nil, 6, "split.ratios.train", "(got 1.5)"},
		{"ratio not a number", s("  ratios: {train: most}"), nil, 6, "split.ratios.train", `expected a finite number (got "most")`},
		{"bad split name", s("  ratios: {Train: 1}"), nil, 6, "split.ratios.Train", "a-z, 0-9, _ and -"},
		{"reserved split name", s("  ratios: {aggregates: 1}"), nil, 6, "split.ratios.aggregates", "aggregates/ folder"},
		{"seed negative", s("  ratios: {train: 1}", "  seed: -3"), nil, 7, "split.seed", "expected an integer >= 0 (got -3)"},
		{"seed float", s("  ratios: {train: 1}", "  seed: 1.5"), nil, 7, "split.seed", "expected an integer >= 0 (got 1.5)"},
		{"by a mapping", s("  by: {a: 1}", "  ratios: {train: 1}"), nil, 6, "split.by", "a column name or a list of column names"},
		{"by empty name", s("  by: [a, '']", "  ratios: {train: 1}"), nil, 6, "split.by[1]", "empty string"},
		{"unknown key", s("  ratio: {train: 1}"), nil, 6, "split.ratio", `did you mean "ratios"? (allowed: by, key, ratios, seed)`},
	})
}

func TestBadAggregates(t *testing.T) {
	a := func(lines ...string) string { return pre + "aggregates:\n" + strings.Join(lines, "\n") + "\n" }
	runBad(t, []badCase{
		{"unknown func", a("  st:", "    by: a", "    compute: {m: avg(x)}"), nil, 7, "aggregates.st.compute.m", `unknown aggregate function "avg"`},
		{"func typo", a("  st:", "    by: a", "    compute:", "      m: mea(x)"), nil, 8, "aggregates.st.compute.m", `did you mean "mean"?`},
		{"two columns", a("  st:", "    by: a", "    compute: {m: 'sum(x, y)'}"), nil, 7, "aggregates.st.compute.m", "sum takes exactly one column"},
		{"no column", a("  st:", "    by: a", "    compute: {m: mean()}"), nil, 7, "aggregates.st.compute.m", "mean needs one column"},
		{"not a call", a("  st:", "    by: a", "    compute: {m: x}"), nil, 7, "aggregates.st.compute.m", `expected func(column) or count()`},
		{"number", a("  st:", "    by: a", "    compute: {m: 3}"), nil, 7, "aggregates.st.compute.m", "(got 3)"},
		{"nested call", a("  st:", "    by: a", "    compute: {m: sum(abs(x))}"), nil, 7, "aggregates.st.compute.m", "not an expression"},
		{"missing by", a("  st:", "    compute: {n: count()}"), nil, 5, "aggregates.st.by", "required"},
		{"missing compute", a("  st: {by: a}"), nil, 5, "aggregates.st.compute", "required"},
		{"empty compute", a("  st: {by: a, compute: {}}"), nil, 5, "aggregates.st.compute", "at least one output"},
		{"output is a by column", a("  st: {by: a, compute: {a: count()}}"), nil, 5, "aggregates.st.compute.a", "also a group-by column"},
		{"bad table name", a("  'st/x': {by: a, compute: {n: count()}}"), nil, 5, "aggregates.st/x", "letters, digits"},
		{"unknown key", a("  st: {by: a, computes: {n: count()}}"), nil, 5, "aggregates.st.computes", `did you mean "compute"?`},
	})
}

func TestBadOutputEngine(t *testing.T) {
	o := func(out string) string { return "name: t\ninput: {path: a.pq}\nkeep: [a]\noutput:\n" + out + "\n" }
	runBad(t, []badCase{
		{"missing output", "name: t\ninput: {path: a.pq}\nkeep: [a]\n", nil, 0, "output", "required"},
		{"missing path", o("  shards: 2"), nil, 4, "output.path", "required"},
		{"shards word", o("  path: o\n  shards: eight"), nil, 6, "output.shards", `expected an integer >= 1 (got "eight")`},
		{"shards zero", o("  path: o\n  shards: 0"), nil, 6, "output.shards", "expected an integer >= 1 (got 0)"},
		{"shards huge", o("  path: o\n  shards: 99999999999999999999"), nil, 6, "output.shards", "expected an integer >= 1"},
		{"format", o("  path: o\n  format: csv"), nil, 6, "output.format", "(allowed: arrow, parquet)"},
		{"compression typo", o("  path: o\n  compression: zstandard"), nil, 6, "output.compression", "(allowed: zstd, lz4, none)"},
		{"shuffle not bool", o("  path: o\n  shuffle: 1"), nil, 6, "output.shuffle", "expected true or false (got 1)"},
		{"overwrite typo", o("  path: o\n  overwite: true"), nil, 6, "output.overwite", `did you mean "overwrite"?`},
		{"engine prefer", o("  path: o") + "engine: {prefer: cuda}\n", nil, 6, "engine.prefer", "(allowed: auto, cpu, gpu)"},
		{"engine fallback", o("  path: o") + "engine:\n  fallback: fail\n", nil, 7, "engine.fallback", "(allowed: allow, warn, error)"},
	})
}
