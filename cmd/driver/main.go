package main

import (
	"os"

	"github.com/sluice-ml/sluice/cli"
	"github.com/sluice-ml/sluice/exec/gpu"
)

func main() {
	code := cli.Driver(os.Args[1:], os.Stdout, os.Stderr)
	gpu.CloseShared() // the process's device context, pool and streams
	os.Exit(code)
}
