// Command driver plans and runs sluice jobs; see `driver help`.
package main

import (
	"os"

	"github.com/sluice-ml/sluice/cli"
)

func main() { os.Exit(cli.Driver(os.Args[1:], os.Stdout, os.Stderr)) }
