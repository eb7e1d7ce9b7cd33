package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// baseJob is a valid job; line numbers below refer to it:
//
//	1 name  2 input  3 path  4 format  5 features  6 tripduration  7 output  8 path
const baseJob = `name: bad
input:
  path: %DATA%
  format: parquet
features:
  tripduration: {transform: zscore}
output:
  path: %OUT%
`

// badCase is one wrong command or job: it must exit with code, print every
// string of stderr on stderr, print nothing on stdout and leave no output.
type badCase struct {
	name  string
	cmd   string           // "submit" (default) or "explain"
	job   string           // job file text; "" = baseJob
	setup func(dir string) // writes extra input files into the test's dir
	args  []string         // after the job file
	noJob bool             // do not pass the job file
	code  int              // wanted exit code
	want  []string         // substrings of stderr; %DIR% is the test's dir
	skip  string           // a known bug outside cli/
}

func TestBadInput(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	genData(t, data, 5000, 2)
	srcParquet := filepath.Join(data, "part-00000.parquet")
	whole, err := os.ReadFile(srcParquet)
	if err != nil {
		t.Fatal(err)
	}

	filterLine := "filter: tripduration > 60 and nosuch < 3"
	cases := []badCase{
		{
			name: "malformed YAML",
			job:  strings.Replace(baseJob, "{transform: zscore}", "{transform: zscore", 1),
			code: ExitUsage,
			want: []string{"job.yaml:6: ", "invalid YAML"},
		},
		{
			name: "unknown transform",
			job:  strings.Replace(baseJob, "zscore", "zscroe", 1),
			code: ExitUsage,
			want: []string{
				`job.yaml:6: features.tripduration.transform: unknown transform "zscroe"`,
				`did you mean "zscore"?`,
				"(allowed: identity, zscore, minmax, log1p, clip, bucketize, vocab, onehot, hash)",
			},
		},
		{
			name: "ratios do not sum to 1",
			job:  strings.Replace(baseJob, "output:", "split:\n  ratios: {train: 0.95, eval: 0.1}\noutput:", 1),
			code: ExitUsage,
			want: []string{"job.yaml:8: split.ratios: ratios must sum to 1 (got 1.05)"},
		},
		{
			name: "unknown key",
			job:  strings.Replace(baseJob, "output:", "ouptut:", 1),
			code: ExitUsage,
			want: []string{`job.yaml:7: ouptut: unknown key "ouptut"; did you mean "output"?`, "allowed: name, input"},
		},
		{
			name: "unknown nested key",
			job:  strings.Replace(baseJob, "{transform: zscore}", "{transform: zscore, fil: median}", 1),
			code: ExitUsage,
			want: []string{`job.yaml:6: features.tripduration.fil: unknown key "fil"; did you mean "fill"?`, "allowed: transform,"},
		},
		{
			name: "missing input path",
			job:  strings.Replace(baseJob, "%DATA%", "%DIR%/nodata/", 1),
			code: ExitUsage,
			want: []string{"input.path: no such file or directory", "%DIR%/nodata/"},
		},
		{
			name: "truncated parquet footer",
			job:  strings.Replace(baseJob, "%DATA%", "%DIR%/trunc.parquet", 1),
			setup: func(dir string) {
				writeFile(t, filepath.Join(dir, "trunc.parquet"), whole[:len(whole)/2])
			},
			// A malformed data file fails the job (exit 1), whenever it is found.
			code: ExitFailed,
			want: []string{"%DIR%/trunc.parquet: not a readable Parquet file"},
		},
		{
			name: "corrupt parquet row group",
			job:  strings.Replace(baseJob, "%DATA%", "%DIR%/corrupt.parquet", 1),
			setup: func(dir string) {
				b := append([]byte(nil), whole...)
				for i := 2000; i < 12000; i++ { // inside row group 0's pages
					b[i] = 0x55
				}
				writeFile(t, filepath.Join(dir, "corrupt.parquet"), b)
			},
			// Found while scanning: the job failed while running.
			code: ExitFailed,
			want: []string{"%DIR%/corrupt.parquet", "row group 0"},
		},
		{
			name: "CSV row with too many fields",
			job:  csvJob("%DIR%/short.csv"),
			setup: func(dir string) {
				writeFile(t, filepath.Join(dir, "short.csv"), csvRows(10, 11, "11,5.5,7"))
			},
			// Header is line 1, rows 0..9 are lines 2..11; inference reads it.
			code: ExitFailed,
			want: []string{"%DIR%/short.csv:12: expected 2 fields, got 3"},
		},
		{
			name: "CSV value that does not parse, past the inference sample",
			job:  csvJob("%DIR%/big.csv"),
			setup: func(dir string) {
				writeFile(t, filepath.Join(dir, "big.csv"), csvRows(1500, 1600, "1500,abc"))
			},
			// Rows 0..1499 are lines 2..1501: the bad row is line 1502.
			code: ExitFailed,
			want: []string{`%DIR%/big.csv:1502: column "b": cannot parse "abc" as float64`},
		},
		{
			name: "zscore on a string column",
			job:  strings.Replace(baseJob, "tripduration: {", "usertype: {", 1),
			code: ExitUsage,
			want: []string{"job.yaml:6: features.usertype: zscore needs a numeric column", "got string"},
		},
		{
			name: "unknown column in the filter",
			job:  strings.Replace(baseJob, "features:", filterLine+"\nfeatures:", 1),
			code: ExitUsage,
			want: []string{
				`job.yaml:5: filter: unknown column "nosuch"`,
				fmt.Sprintf("at column %d", strings.Index(filterLine, "nosuch")+1),
			},
		},
		{
			name: "expression error on the last line of a literal block",
			job:  strings.Replace(baseJob, "features:", "filter: |\n  tripduration > 60\n    and lower(tripduration) = 'x'\nfeatures:", 1),
			code: ExitUsage,
			want: []string{`job.yaml:7: filter: argument 1 of lower must be string, got int64`, "at column 15)"},
		},
		{
			name: "derived column whose case results differ in type",
			job:  strings.Replace(baseJob, "features:", "columns:\n  d: case when tripduration > 1 then 'a' else 2 end\nfeatures:", 1),
			code: ExitUsage,
			want: []string{`job.yaml:6: columns.d: case and if results must have one type: string and int64 (cast one of them)`, "at column 47)"},
		},
		{name: "bad --engine on submit", args: []string{"--engine", "tpu"}, code: ExitUsage,
			want: []string{`--engine: "tpu" is not an engine (allowed: auto, cpu, gpu, gpu-emulated)`}},
		{name: "bad --engine on explain", cmd: "explain", args: []string{"--engine", "tpu"}, code: ExitUsage,
			want: []string{`--engine: "tpu" is not an engine`}},
		{name: "bad --memory", args: []string{"--memory", "lots"}, code: ExitUsage,
			want: []string{`--memory: "lots" is not a size (e.g. 512MiB, 2GiB)`}},
		{name: "zero --memory", args: []string{"--memory", "0GiB"}, code: ExitUsage,
			want: []string{`--memory: "0GiB" is not a size`}},
		{name: "negative --local", args: []string{"--local", "-1"}, code: ExitUsage,
			want: []string{"--local: must be >= 0 executors (0 = one per core), got -1"}},
		{name: "unknown flag", args: []string{"--locl", "2"}, code: ExitUsage,
			want: []string{"flag provided but not defined: -locl"}},
		{name: "no job file", noJob: true, code: ExitUsage,
			want: []string{"driver submit: expected one job file (got 0 arguments)", "usage:"}},
		{name: "no job file on explain", cmd: "explain", noJob: true, code: ExitUsage,
			want: []string{"driver explain: expected one job file (got 0 arguments)"}},
		{name: "two job files", args: []string{"other.yaml"}, code: ExitUsage,
			want: []string{"expected one job file (got 2 arguments)"}},
		{name: "job file does not exist", noJob: true, args: []string{"%DIR%/nope.yaml"}, code: ExitUsage,
			want: []string{"%DIR%/nope.yaml"}},
		{name: "--set of an unknown key", args: []string{"--set", "outptu.path=x"}, code: ExitUsage,
			want: []string{`unknown key "outptu"`}},
		{name: "--set with a bad value", args: []string{"--set", "output.overwrite=maybe"}, code: ExitUsage,
			want: []string{"output.overwrite: expected true or false"}},
		{name: "--driver with no serving driver", args: []string{"--driver", "127.0.0.1:1"}, code: ExitFailed,
			want: []string{"127.0.0.1:1"}},
		{name: "engine.fallback=error on explain", cmd: "explain", code: ExitUsage,
			args: []string{"--engine", "gpu", "--set", "engine.fallback=error"},
			want: []string{"engine.fallback: fallback is error", "gpu cannot run operator Scan", "no NVIDIA driver"}},
		{name: "engine.fallback=error on submit", code: ExitUsage,
			args: []string{"--engine", "gpu", "--set", "engine.fallback=error"},
			want: []string{"engine.fallback: fallback is error", "no NVIDIA driver"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.skip != "" {
				t.Skip(c.skip)
			}
			if strings.Contains(c.name, "fallback") && hasGPU() {
				t.Skip("this machine has an NVIDIA driver")
			}
			dir := filepath.Join(root, fmt.Sprintf("case%02d", i))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if c.setup != nil {
				c.setup(dir)
			}
			out := filepath.Join(dir, "out", "job")
			work := filepath.Join(dir, "work")
			text := c.job
			if text == "" {
				text = baseJob
			}
			vars := map[string]string{"DATA": data, "OUT": out, "DIR": dir}
			job := writeJob(t, dir, text, vars)
			cmd := c.cmd
			if cmd == "" {
				cmd = "submit"
			}
			args := []string{cmd}
			if !c.noJob {
				args = append(args, job)
			}
			// The case's own flags last, so they win over these defaults.
			args = append(args, "--local", "2", "--quiet", "--work-dir", work)
			for _, a := range c.args {
				args = append(args, strings.ReplaceAll(a, "%DIR%", dir))
			}
			code, stdout, stderr := drive(t, args...)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.code, stderr)
			}
			for _, w := range c.want {
				w = strings.ReplaceAll(w, "%DIR%", dir)
				w = strings.ReplaceAll(w, "job.yaml:", job+":")
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if stdout != "" {
				t.Errorf("stdout of a failed command: %q", stdout)
			}
			assertNoOutput(t, out, work)
		})
	}
}

// csvJob is a job reading the CSV file at path (columns a, b).
func csvJob(path string) string {
	return `name: csv
input:
  path: ` + path + `
features:
  b: {transform: zscore}
output:
  path: %OUT%
`
}

// csvRows returns a CSV file "a,b" with rows 0..hi-1 of (i, i/2), row
// badAt (line badAt+2) replaced by badRow.
func csvRows(badAt, hi int, badRow string) []byte {
	var b strings.Builder
	b.WriteString("a,b\n")
	for i := 0; i < hi; i++ {
		if i == badAt {
			b.WriteString(badRow + "\n")
			continue
		}
		fmt.Fprintf(&b, "%d,%g\n", i, float64(i)/2)
	}
	return []byte(b.String())
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCommandErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
		out  string
	}{
		{nil, ExitUsage, "usage:", ""},
		{[]string{"sumbit"}, ExitUsage, `unknown command "sumbit"`, ""},
		{[]string{"help"}, ExitOK, "", "driver submit JOB.yaml"},
		{[]string{"gen", "flights", "--out", "x"}, ExitUsage, `the only data set is citibike (got "flights")`, ""},
		{[]string{"gen", "citibike"}, ExitUsage, "--out is required", ""},
		{[]string{"gen", "citibike", "--out", "x", "--rows", "0"}, ExitUsage, "--rows must be > 0", ""},
	}
	for _, c := range cases {
		code, stdout, stderr := drive(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) || !strings.Contains(stdout, c.out) {
			t.Errorf("driver %q: exit %d (want %d), stdout %q (want %q), stderr %q (want %q)", c.args, code, c.code, stdout, c.out, stderr, c.want)
		}
	}
}
