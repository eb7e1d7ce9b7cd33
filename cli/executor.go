package cli

import (
	"flag"
	"fmt"
	"io"

	"github.com/sluice-ml/sluice/cli/executorcmd"
)

// FlagSet returns the flag set of a command: "submit", "serve", "status"
// or "executor", for checks of command lines written elsewhere (the
// deployment manifests).
func FlagSet(command string) (*flag.FlagSet, error) {
	switch command {
	case "executor":
		return executorcmd.NewFlagSet(io.Discard), nil
	case "serve":
		fs, _ := newServeFlags(io.Discard)
		return fs, nil
	case "submit":
		fs, _ := newSubmitFlags(io.Discard)
		return fs, nil
	case "status":
		fs, _ := newStatusFlags(io.Discard)
		return fs, nil
	}
	return nil, fmt.Errorf("no command %q (submit, serve, status, executor)", command)
}
