// Command executor runs sluice tasks for a serving driver: it joins the
// driver's gossip ring and serves the executor gRPC protocol.
//
//	executor --join HOST:7946 --secret-file F [--listen 127.0.0.1:7071] [--engine auto|cpu|gpu] [--slots N] [--memory 8GiB] [--gpu-memory 40GiB]
//	         [--work-dir DIR] [--id NAME] [--gossip HOST:PORT] [--tls-cert F --tls-key F --tls-ca F] [--insecure]
//	         [--metrics HOST:PORT] [--log-format text|json]
//
// Without --secret-file it refuses to start unless --insecure.
package main

import (
	"os"

	"github.com/sluice-ml/sluice/cli/executorcmd"
)

func main() { os.Exit(executorcmd.Main(os.Args[1:], os.Stderr)) }
