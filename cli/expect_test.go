package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// expectCSV: dur is outside [60, 86400] in rows 2 and 5, null in row 3;
// id 2 repeats (rows 2 and 5); g is "Mle" in row 3.
const expectCSV = "id,dur,g\n1,100,Male\n2,50,Female\n3,,Mle\n4,200,Male\n2,90000,Unknown\n"

const expectJobText = `name: expect
input:
  path: %DIR%/trips.csv
keep: [id]
output:
  path: %OUT%
expect:
  dur: {not_null: true, between: [60, 86400]}
  id: {unique: true}
  g: {in: [Male, Female, Unknown]}
  rows: {min: 3}
`

// A failed expectation exits 1 with every failed rule, its violating rows
// and examples with file and row, and leaves no output; under warn the job
// succeeds and the summary lists the failures.
func TestExpectFailureExit(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "trips.csv"), []byte(expectCSV))
	out := filepath.Join(dir, "out", "job")
	work := filepath.Join(dir, "work")
	job := writeJob(t, dir, expectJobText, map[string]string{"OUT": out, "DIR": dir})
	code, stdout, stderr := drive(t, "submit", job, "--local", "2", "--quiet", "--work-dir", work)
	if code != ExitFailed || stdout != "" {
		t.Fatalf("exit %d (want %d), stdout %q, stderr:\n%s", code, ExitFailed, stdout, stderr)
	}
	csv := filepath.Join(dir, "trips.csv")
	for _, w := range []string{
		job + ":7: expect: 4 of 5 rules failed on 5 rows read; no output was written",
		"\n  dur not_null: 1 violating row, e.g. null (" + csv + " row 3)\n",
		"\n  dur between [60, 86400]: 2 violating rows, e.g. 50 (" + csv + " row 2); 90000 (" + csv + " row 5)\n",
		"\n  id unique: 2 violating rows, e.g. 2 (" + csv + " row 2); 2 (" + csv + " row 5)\n",
		"\n  g in [Male, Female, Unknown]: 1 violating row, e.g. \"Mle\" (" + csv + " row 3)",
	} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	if strings.Contains(stderr, "rows min") {
		t.Errorf("a passed rule is listed:\n%s", stderr)
	}
	assertNoOutput(t, out, work)

	code, stdout, stderr = drive(t, "submit", job, "--local", "2", "--work-dir", work, "--set", "expect.on_fail=warn")
	if code != ExitOK {
		t.Fatalf("warn: exit %d, stderr:\n%s", code, stderr)
	}
	all := stdout + stderr
	for _, w := range []string{"expect: 1 of 5 rules passed on 5 rows read (on_fail: warn)", "warning: expect: id unique: 2 violating rows"} {
		if !strings.Contains(all, w) {
			t.Errorf("warn run output lacks %q:\n%s", w, all)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.json")); err != nil {
		t.Errorf("warn run wrote no manifest: %v", err)
	}
}

// Errors in the expect section name the line and field; a rule on a
// column that does not exist or of the wrong type is refused before any
// row is read.
func TestExpectJobErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "trips.csv"), []byte(expectCSV))
	for _, c := range []struct{ name, from, to, want string }{
		{"lo > hi", "between: [60, 86400]", "between: [86400, 60]", ":8: expect.dur.between: expected lo <= hi (got [86400, 60])"},
		{"unknown rule", "{unique: true}", "{uniq: true}", `:9: expect.id.uniq: unknown key "uniq"`},
		{"no such column", "  g: {in", "  gender: {in", `:10: expect.gender.in: no column "gender"`},
		{"between on a string", "  g: {in: [Male, Female, Unknown]}", "  g: {between: [1, 2]}", ":10: expect.g.between: between needs a numeric column: int64 or float64 (got g string)"},
		{"in of the wrong type", "[Male, Female, Unknown]", "[1, 2]", `:10: expect.g.in[0]: "g" is string, so in takes string values (got the number 1)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, "out", "job")
			text := strings.Replace(expectJobText, c.from, c.to, 1)
			job := writeJob(t, dir, text, map[string]string{"OUT": out, "DIR": dir})
			code, _, stderr := drive(t, "submit", job, "--local", "1", "--quiet", "--work-dir", filepath.Join(dir, "work"))
			if code != ExitUsage || !strings.Contains(stderr, job+c.want) {
				t.Errorf("exit %d (want %d), stderr lacks %q:\n%s", code, ExitUsage, job+c.want, stderr)
			}
		})
	}
}

// examples/trips-expect.yaml prints, word for word, the message that
// docs/jobfile.md shows for it, and writes nothing.
func TestExpectExampleMatchesDocs(t *testing.T) {
	t.Chdir("..") // the example's paths are relative to the repository root
	doc, err := os.ReadFile("docs/jobfile.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "`examples/trips-expect.yaml` (6 rows in `examples/trips.csv`) prints:\n\n```\n")
	want, _, ok2 := strings.Cut(rest, "```\n")
	if !ok || !ok2 {
		t.Fatal("docs/jobfile.md lacks the example's message")
	}
	work := t.TempDir()
	code, stdout, stderr := drive(t, "submit", "examples/trips-expect.yaml", "--quiet", "--work-dir", work)
	if code != ExitFailed || stdout != "" || stderr != want {
		t.Errorf("exit %d, stdout %q, stderr:\n%s\ndocs/jobfile.md shows:\n%s", code, stdout, stderr, want)
	}
	assertNoOutput(t, "out/trips-expect", work)
}
