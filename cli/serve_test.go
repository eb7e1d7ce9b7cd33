package cli

import (
	"strings"
	"testing"
)

// `driver serve` without a secret refuses to start (exit 2, naming
// --secret-file and --insecure); its default addresses are on loopback.
func TestServeNeedsSecret(t *testing.T) {
	code, _, stderr := drive(t, "serve", "--listen", "127.0.0.1:0", "--gossip", "127.0.0.1:0")
	if code != ExitUsage || !strings.Contains(stderr, "no cluster secret") || !strings.Contains(stderr, "--insecure") {
		t.Errorf("serve without a secret: exit %d\n%s", code, stderr)
	}
	code, _, stderr = drive(t, "serve", "-h")
	for _, d := range []string{`default "127.0.0.1:7070"`, `default "127.0.0.1:7946"`, "-insecure"} {
		if !strings.Contains(stderr, d) {
			t.Errorf("serve -h (exit %d) lacks %s:\n%s", code, d, stderr)
		}
	}
}
