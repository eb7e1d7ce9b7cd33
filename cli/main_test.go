package cli

import (
	"os"
	"testing"
)

// TestMain turns the stage cache off for the package's runs (a test that
// uses the cache names its directory with --cache), so that runs compared
// with each other each compute their output and no test writes to the
// user's cache directory.
func TestMain(m *testing.M) {
	os.Setenv("SLUICE_CACHE", "off")
	os.Exit(m.Run())
}
