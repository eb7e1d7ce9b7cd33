package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// drive runs Driver with args and returns the exit code, stdout and stderr.
func drive(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Driver(args, &out, &errb)
	return code, out.String(), errb.String()
}

// genData writes a generated Citi Bike data set of rows rows in files
// Parquet files into dir through the gen command.
func genData(t *testing.T, dir string, rows, files int) {
	t.Helper()
	code, _, stderr := drive(t, "gen", "citibike", "--rows", itoa(rows), "--out", dir, "--files", itoa(files))
	if code != ExitOK {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// writeJob expands the placeholders %DATA%, %OUT% and %DIR% in text and
// writes it to dir/job.yaml, returning its path.
func writeJob(t *testing.T, dir, text string, vars map[string]string) string {
	t.Helper()
	pairs := make([]string, 0, 2*len(vars))
	for k, v := range vars {
		pairs = append(pairs, "%"+k+"%", v)
	}
	path := filepath.Join(dir, "job.yaml")
	if err := os.WriteFile(path, []byte(strings.NewReplacer(pairs...).Replace(text)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// assertNoOutput fails when out exists, when a "*.tmp-*" or "*.old-*"
// directory is left beside it, or when work (a --work-dir root) holds
// anything.
func assertNoOutput(t *testing.T, out, work string) {
	t.Helper()
	if _, err := os.Lstat(out); !os.IsNotExist(err) {
		t.Errorf("output %s exists after a failed job (err %v)", out, err)
	}
	assertNoLeftovers(t, out, work)
}

// assertNoLeftovers fails when a temp or aside directory of out remains or
// when the work-dir root is not empty.
func assertNoLeftovers(t *testing.T, out, work string) {
	t.Helper()
	for _, pat := range []string{".tmp-*", ".old-*"} {
		left, err := filepath.Glob(filepath.Join(filepath.Dir(out), "*"+pat))
		if err != nil {
			t.Fatal(err)
		}
		if len(left) > 0 {
			t.Errorf("left behind beside the output: %v", left)
		}
	}
	if work == "" {
		return
	}
	ents, err := os.ReadDir(work)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("work dir not cleaned: %s", filepath.Join(work, e.Name()))
	}
}

// manifest is the part of manifest.json the tests read, decoded on its own
// (not through package sink) so the file format itself is checked.
type manifest struct {
	Job struct {
		Name string `json:"name"`
	} `json:"job"`
	Input struct {
		Format string `json:"format"`
		Files  []struct {
			Path string `json:"path"`
			Rows int64  `json:"rows"`
		} `json:"files"`
	} `json:"input"`
	Rows struct {
		Read     int64 `json:"read"`
		Filtered int64 `json:"filtered"`
		Dropped  int64 `json:"dropped"`
		Written  int64 `json:"written"`
	} `json:"rows"`
	Splits []struct {
		Name   string `json:"name"`
		Rows   int64  `json:"rows"`
		Shards []struct {
			Path string `json:"path"`
			Rows int64  `json:"rows"`
		} `json:"shards"`
	} `json:"splits"`
	Split struct {
		Seed uint64 `json:"seed"`
	} `json:"split"`
}

func readManifest(t *testing.T, out string) (*manifest, []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	return &m, data
}

// listTree returns every file under dir with its size, as "rel size" lines.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files = append(files, rel+" "+itoa(int(st.Size())))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// hasGPU reports whether this machine shows an NVIDIA driver, in which case
// the "no NVIDIA driver" fallback cases do not apply.
func hasGPU() bool {
	for _, p := range []string{"/dev/nvidiactl", "/proc/driver/nvidia"} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}
