// Command executor runs sluice tasks for a serving driver: it joins the
// driver's gossip ring, serves the executor gRPC protocol (package
// cluster/executor) and runs the bound stage fragments the driver sends.
// It links neither the job parser nor the planner (deps_test.go checks it).
//
//	executor --join HOST:7946 --secret-file F [--listen 127.0.0.1:7071] [--engine auto|cpu|gpu] [--slots N] [--memory 8GiB] [--gpu-memory 40GiB]
//	         [--work-dir DIR] [--id NAME] [--gossip HOST:PORT] [--tls-cert F --tls-key F --tls-ca F] [--insecure]
//	         [--metrics HOST:PORT] [--log-format text|json]
//
// Start a driver with `driver serve` first and pass its --gossip address
// to --join. Without --secret-file the executor refuses to start unless
// --insecure.
package main
