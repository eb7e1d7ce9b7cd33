package cli

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinaryExitCodes builds cmd/driver and checks that the process exit
// status is Driver's code: 0 ok, 1 failed while running, 2 wrong command.
func TestBinaryExitCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the driver binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "driver")
	build := exec.Command(goBin, "build", "-o", bin, "github.com/sluice-ml/sluice/cmd/driver")
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	data, out, work := filepath.Join(dir, "data"), filepath.Join(dir, "out", "job"), filepath.Join(dir, "work")
	genData(t, data, 1000, 1)
	good := writeJob(t, dir, baseJob, map[string]string{"DATA": data, "OUT": out})
	badDir, csvDir := filepath.Join(dir, "bad"), filepath.Join(dir, "csv")
	for _, d := range []string{badDir, csvDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bad := writeJob(t, badDir, strings.Replace(baseJob, "zscore", "zscroe", 1), map[string]string{"DATA": data, "OUT": out})
	writeFile(t, filepath.Join(csvDir, "big.csv"), csvRows(1500, 1600, "1500,abc"))
	failing := writeJob(t, csvDir, csvJob(filepath.Join(csvDir, "big.csv")), map[string]string{"OUT": filepath.Join(csvDir, "out")})

	cases := []struct {
		args []string
		code int
		want string // on stderr
	}{
		{[]string{"explain", good}, ExitOK, ""},
		{[]string{"submit", good, "--local", "2", "--quiet", "--work-dir", work}, ExitOK, ""},
		{[]string{"submit", failing, "--local", "2", "--quiet", "--work-dir", work}, ExitFailed, "big.csv:1502:"},
		{[]string{"submit", bad}, ExitUsage, bad + ":6: features.tripduration.transform"},
		{[]string{"submit"}, ExitUsage, "expected one job file"},
		{nil, ExitUsage, "usage:"},
	}
	for _, c := range cases {
		cmd := exec.Command(bin, c.args...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("driver %q: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, stderr.String(), c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.json")); err != nil {
		t.Errorf("submit through the binary: %v", err)
	}
	assertNoOutput(t, filepath.Join(csvDir, "out"), work)
}
