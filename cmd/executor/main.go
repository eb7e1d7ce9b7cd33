package main

import (
	"os"

	"github.com/sluice-ml/sluice/cli/executorcmd"
)

func main() { os.Exit(executorcmd.Main(os.Args[1:], os.Stderr)) }
