package cli

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ml/sluice/sink"
)

const cacheCLIJob = `name: cli-cache
input:
  path: %DATA%
  format: parquet
features:
  tripduration: {transform: zscore, fill: median}
  gender: {transform: onehot}
label:
  birth_year: {fill: drop}
split:
  ratios: {train: 0.8, eval: 0.2}
output:
  path: %OUT%
  shards: 2
`

// parquetFingerprint works the fingerprint out from the file's bytes: the
// size, the footer with its length and magic.
func parquetFingerprint(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := int(binary.LittleEndian.Uint32(b[len(b)-8:]))
	var size [8]byte
	binary.LittleEndian.PutUint64(size[:], uint64(len(b)))
	s := sha256.Sum256(append(size[:], b[len(b)-8-n:]...))
	return "sha256:" + hex.EncodeToString(s[:])
}

// TestSubmitCacheWarmRunsAndHistory: a rerun reuses every stage (the
// summary and explain say so) and writes the same bytes; a touched input
// reruns everything; `driver runs` lists the three runs with their
// fingerprints, all with the same bytes.
func TestSubmitCacheWarmRunsAndHistory(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	genData(t, data, 3000, 2)
	cache := filepath.Join(dir, "cache")
	submit := func(name string, extra ...string) (string, *sink.Manifest) {
		t.Helper()
		job := writeJob(t, dir, cacheCLIJob, map[string]string{"DATA": data, "OUT": filepath.Join(dir, "runs", name)})
		code, out, errOut := drive(t, append([]string{"submit", job, "--local", "2", "--quiet", "--cache", cache}, extra...)...)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", name, code, errOut)
		}
		m, err := sink.ReadManifest(filepath.Join(dir, "runs", name))
		if err != nil {
			t.Fatal(err)
		}
		return out, m
	}
	out, cold := submit("cold")
	if strings.Contains(out, "cached") {
		t.Fatalf("cold run shows cached stages:\n%s", out)
	}
	for _, f := range cold.Input.Files {
		if want := parquetFingerprint(t, f.Path); f.Fingerprint != want {
			t.Errorf("%s: fingerprint %s, want %s", f.Path, f.Fingerprint, want)
		}
	}
	job := writeJob(t, dir, cacheCLIJob, map[string]string{"DATA": data, "OUT": filepath.Join(dir, "runs", "x")})
	if code, text, errOut := drive(t, "explain", job, "--cache", cache); code != ExitOK || strings.Count(text, "cached (reused)") < 4 || strings.Contains(text, " runs ") {
		t.Fatalf("explain after the cold run (exit %d, %s):\n%s", code, errOut, text)
	}
	if _, text, _ := drive(t, "explain", job, "--no-cache"); strings.Contains(text, "Stage cache") {
		t.Fatalf("explain --no-cache shows the cache:\n%s", text)
	}
	out, warm := submit("warm")
	if strings.Count(out, "cached") < 4 {
		t.Fatalf("warm run summary does not mark the stages cached:\n%s", out)
	}
	// Touching an input is a new version of it: nothing is reused.
	later := time.Now().Add(time.Minute)
	os.Chtimes(cold.Input.Files[0].Path, later, later)
	out, touched := submit("touched")
	if strings.Contains(out, "cached") {
		t.Fatalf("run after touching an input reused stages:\n%s", out)
	}
	_, nocache := submit("nocache", "--no-cache")
	for _, m := range []*sink.Manifest{warm, touched, nocache} {
		if len(m.Splits) != len(cold.Splits) {
			t.Fatal("splits differ")
		}
		for k := range m.Splits {
			for j, s := range m.Splits[k].Shards {
				if s.SHA256 != cold.Splits[k].Shards[j].SHA256 {
					t.Errorf("run %s: %s differs from the cold run's", m.Run.ID, s.Path)
				}
			}
		}
	}
	if nocache.Run.Cache != "" || warm.Run.Cache != cache || len(warm.Run.Reused) < 4 {
		t.Errorf("run sections: nocache %+v, warm %+v", nocache.Run, warm.Run)
	}
	code, list, errOut := drive(t, "runs", filepath.Join(dir, "runs"))
	if code != ExitOK {
		t.Fatalf("runs: %d %s", code, errOut)
	}
	_, letters := runLines(list)
	if got := strings.Join(letters, " "); got != "A A A A" {
		t.Fatalf("runs letters %q, want four runs with the same bytes:\n%s", got, list)
	}
	for _, m := range []*sink.Manifest{cold, warm, touched, nocache} {
		if !strings.Contains(list, m.Run.ID) {
			t.Errorf("run %s not listed:\n%s", m.Run.ID, list)
		}
	}
	// The cache records the runs that used it, not the --no-cache one.
	_, list, _ = drive(t, "runs", cache)
	if strings.Contains(list, nocache.Run.ID) || !strings.Contains(list, warm.Run.ID) {
		t.Fatalf("cache runs:\n%s", list)
	}
}
