package logs

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
)

// TestSecretNeverLogged logs the secret in a message, an attribute, a
// group, an error and through a writer, in both formats, and finds it in
// none of the output.
func TestSecretNeverLogged(t *testing.T) {
	secret := []byte("s3cr3t-value-0123456789")
	for _, format := range []string{FormatText, FormatJSON} {
		var b bytes.Buffer
		l, err := New(&b, format, secret)
		if err != nil {
			t.Fatal(err)
		}
		l.Info("loaded "+string(secret), "secret", string(secret), "err", errors.New("bad "+string(secret)))
		l.With("k", "x"+string(secret)).WithGroup("g").Info("m", "v", string(secret))
		Writer(l).Write([]byte("gossip: key " + string(secret) + "\n"))
		out := b.String()
		if strings.Contains(out, string(secret)) {
			t.Errorf("%s: the secret was logged:\n%s", format, out)
		}
		if n := strings.Count(out, "[redacted]"); n != 6 {
			t.Errorf("%s: %d redactions, want 6:\n%s", format, n, out)
		}
	}
}

// TestFormats checks the text line layout (the standard log package's,
// which the cluster tests and users match) and that JSON lines carry the
// attributes.
func TestFormats(t *testing.T) {
	var b bytes.Buffer
	l, _ := New(&b, FormatText)
	l.Info("member ex1 failed", "job", "j-1", "stage", 3, "msg2", "two words")
	l.Warn("task attempt failed", "attempt", 1)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if !regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{6} member ex1 failed job=j-1 stage=3 msg2="two words"$`).MatchString(lines[0]) {
		t.Errorf("text line %q", lines[0])
	}
	if !regexp.MustCompile(`^\S+ \S+ WARN task attempt failed attempt=1$`).MatchString(lines[1]) {
		t.Errorf("text line %q", lines[1])
	}
	b.Reset()
	l, _ = New(&b, FormatJSON)
	l.Info("stage done", "job", "j-1", "stage", 3, "task", 7, "attempt", 0)
	var rec map[string]any
	if err := json.Unmarshal(b.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["msg"] != "stage done" || rec["job"] != "j-1" || rec["stage"] != 3.0 || rec["task"] != 7.0 || rec["attempt"] != 0.0 || rec["level"] != "INFO" {
		t.Errorf("JSON record %v", rec)
	}
	if _, err := New(&b, "xml"); err == nil || !strings.Contains(err.Error(), "text or json") {
		t.Errorf("--log-format xml: %v", err)
	}
}
