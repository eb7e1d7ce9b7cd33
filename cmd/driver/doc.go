// Command driver is sluice's main binary: it plans and runs jobs on this
// machine, explains their plans, serves a cluster and submits jobs to it.
// Every subcommand is wired in package cli; this command only calls it and
// releases the GPU context on exit.
//
//	driver submit JOB.yaml [--local N] [--engine auto|cpu|gpu] [--set key=value ...]   run a job here
//	driver explain JOB.yaml                                                           print its plan
//	driver serve --secret-file F [--listen HOST:PORT] [--gossip HOST:PORT]            serve a cluster
//	driver submit JOB.yaml --driver HOST:PORT                                         run a job on a cluster
//	driver status [JOB_ID] --driver HOST:PORT                                         ask a serving driver
//	driver runs DIR                                                                   list recorded runs
//	driver help                                                                       every flag
//
// Build it with `go build ./cmd/driver` (or `make`).
package main
