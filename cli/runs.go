package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sluice-ml/sluice/sink"
)

// runRecord is one run found by `driver runs`.
type runRecord struct {
	File     string // the manifest it was read from
	Manifest *sink.Manifest
	Bytes    string // identity of the bytes written: sha256 over the sorted shard and table sha256s
}

// findRuns reads every manifest.json below dir, and the run records of a
// stage cache directory (v1/runs/*.json), one per run id, sorted by start
// time (then id).
func findRuns(dir string) ([]runRecord, error) {
	if st, err := os.Stat(dir); err != nil {
		return nil, err
	} else if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	seen := map[string]bool{}
	var out []runRecord
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// A stage cache's entries and temporary files hold no manifests.
			if (d.Name() == "entries" || d.Name() == "tmp") && filepath.Base(filepath.Dir(p)) == "v1" {
				return fs.SkipDir
			}
			return nil
		}
		record := d.Name() == "manifest.json" ||
			(filepath.Ext(p) == ".json" && filepath.Base(filepath.Dir(p)) == "runs" && !strings.HasPrefix(d.Name(), "."))
		if !record {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		m, err := sink.ParseManifest(p, b)
		if err != nil {
			return err
		}
		id := p
		if m.Run != nil {
			id = m.Run.ID
		}
		if seen[id] {
			return nil
		}
		seen[id] = true
		out = append(out, runRecord{File: p, Manifest: m, Bytes: bytesID(m)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := runKey(out[i]), runKey(out[j])
		return a < b
	})
	return out, nil
}

func runKey(r runRecord) string {
	if r.Manifest.Run == nil {
		return "\x00" + r.File // runs from before `run` existed come first
	}
	t, err := time.Parse(sink.TimeFormat, r.Manifest.Run.StartedAt)
	if err != nil {
		return "\x00" + r.File
	}
	return fmt.Sprintf("%020d|%s", t.UnixNano(), r.Manifest.Run.ID)
}

// bytesID identifies the bytes a run wrote: the sha256 over its shards' and
// tables' paths and sha256s, sorted.
func bytesID(m *sink.Manifest) string {
	var sums []string
	for _, s := range m.Splits {
		for _, sh := range s.Shards {
			sums = append(sums, sh.Path+" "+sh.SHA256)
		}
	}
	for _, a := range m.Aggregates {
		sums = append(sums, a.Path+" "+a.SHA256)
	}
	sort.Strings(sums)
	h := sha256.New()
	for _, s := range sums {
		fmt.Fprintln(h, s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func runsCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("runs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitUsage
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "driver runs: want one directory (an output root or a stage cache), got %d arguments\n", len(pos))
		return ExitUsage
	}
	runs, err := findRuns(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "driver runs: %v\n", err)
		if errors.Is(err, os.ErrNotExist) {
			return ExitUsage
		}
		return ExitFailed
	}
	writeRuns(stdout, runs)
	return ExitOK
}

// writeRuns prints the runs: one line each, then its inputs and outputs;
// runs with the same letter in the bytes column wrote the same bytes.
func writeRuns(w io.Writer, runs []runRecord) {
	if len(runs) == 0 {
		fmt.Fprintln(w, "no runs (no manifest.json found)")
		return
	}
	letters := map[string]string{}
	for _, r := range runs {
		if _, ok := letters[r.Bytes]; !ok {
			letters[r.Bytes] = groupName(len(letters))
		}
	}
	fmt.Fprintf(w, "%-36s  %-24s  %8s  %-5s  %-30s  %12s  %s\n", "run", "started (UTC)", "wall", "bytes", "job (sha256)", "rows", "output")
	for _, r := range runs {
		m := r.Manifest
		id, started, wall, out := "-", "-", "-", filepath.Dir(r.File)
		if ri := m.Run; ri != nil {
			id, started = ri.ID, ri.StartedAt
			t0, e0 := time.Parse(sink.TimeFormat, ri.StartedAt)
			t1, e1 := time.Parse(sink.TimeFormat, ri.FinishedAt)
			if e0 == nil && e1 == nil {
				wall = t1.Sub(t0).Round(10 * time.Millisecond).String()
				started = t0.UTC().Format("2006-01-02T15:04:05.00Z")
			}
			if ri.Output != "" {
				out = ri.Output
			}
		}
		job := fmt.Sprintf("%s (%.12s)", m.Job.Name, m.Job.SHA256)
		if m.Run != nil {
			job = fmt.Sprintf("%s (%.12s)", m.Job.Name, m.Run.JobSHA256)
		}
		fmt.Fprintf(w, "%-36s  %-24s  %8s  %-5s  %-30s  %12d  %s\n", id, started, wall, letters[r.Bytes], job, m.Rows.Written, out)
		in := fmt.Sprintf("%s, %d files", m.Input.Format, len(m.Input.Files))
		for i, f := range m.Input.Files {
			if i == 3 {
				in += fmt.Sprintf(", … %d more", len(m.Input.Files)-3)
				break
			}
			in += fmt.Sprintf(", %s %.19s", f.Path, f.Fingerprint)
		}
		fmt.Fprintf(w, "    inputs:  %s\n", in)
		var outs []string
		for _, s := range m.Splits {
			outs = append(outs, fmt.Sprintf("%s %d rows in %d shards", s.Name, s.Rows, len(s.Shards)))
		}
		for _, a := range m.Aggregates {
			outs = append(outs, fmt.Sprintf("table %s %d rows", a.Name, a.Rows))
		}
		fmt.Fprintf(w, "    outputs: %s; bytes %.12s\n", strings.Join(outs, ", "), r.Bytes)
		if m.Run != nil && len(m.Run.Reused) > 0 {
			fmt.Fprintf(w, "    reused:  %s (stage cache %s)\n", strings.Join(m.Run.Reused, ", "), m.Run.Cache)
		}
	}
	fmt.Fprintln(w, "runs with the same letter under \"bytes\" wrote the same bytes (the same shard and table sha256s).")
}

// groupName is A..Z, then AA, AB, ...
func groupName(i int) string {
	s := ""
	for {
		s = string(rune('A'+i%26)) + s
		i = i/26 - 1
		if i < 0 {
			return s
		}
	}
}
