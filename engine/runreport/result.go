package runreport

import (
	"fmt"
	"time"

	"github.com/sluice-ml/sluice/sink"
)

// Result is what a finished job reports.
type Result struct {
	JobID      string
	OutputDir  string
	Manifest   *sink.Manifest
	Stages     []StageStat
	Wall       time.Duration
	PeakMemory int64 // largest executor budget peak (Arrow bytes)
	// Warnings are things about the data the user should know; Summary
	// prints them.
	Warnings []string
	// Prices, when set, make Summary print the job's compute cost.
	Prices Prices
}

// StageStat summarises one executed pass of a plan stage.
type StageStat struct {
	ID   int    // the plan's stage id (EXPLAIN's)
	Kind string // the stage's kind, with " (pass n)" for a repeated pass and " (recompute)" for lineage recovery
	// Pass counts the runs of this plan stage: 1 for the first; 0 for a
	// lineage recompute.
	Pass  int
	Tasks int
	// Operators are the plan operators the stage's tasks ran, in order.
	Operators []string
	Rows      int64
	Bytes     int64
	Wall      time.Duration
	// CPU is the user + system CPU the stage took: the driver process's
	// during the stage (in process: the executors' too), plus what cluster
	// executors reported.
	CPU time.Duration
	// GPUs is how many GPUs the stage held (0: it ran on CPUs).
	GPUs int
	// PeakRSS is the executors' resident memory high-water mark while
	// the stage ran, in bytes (in process: the process's; 0: not known).
	PeakRSS int64
	// Scratch is the most bytes the job's scratch files (caches, spilled
	// runs) took while the stage ran (sampled; 0: not known).
	Scratch int64
	// Cached: the stage was restored from the stage cache, not run (Rows,
	// Bytes and Tasks are the run's that stored it).
	Cached bool
}

// Prices are what compute costs, in USD: per CPU core-hour (one core busy
// for an hour: CPU time) and per GPU-hour (one GPU held for an hour).
type Prices struct {
	CoreHour float64
	GPUHour  float64
}

// Set reports whether any price is given.
func (p Prices) Set() bool { return p.CoreHour > 0 || p.GPUHour > 0 }

// Cost is the price of cpu CPU time and gpu GPU time.
func (p Prices) Cost(cpu, gpu time.Duration) float64 {
	return cpu.Hours()*p.CoreHour + gpu.Hours()*p.GPUHour
}

// Check rejects negative prices.
func (p Prices) Check() error {
	if p.CoreHour < 0 || p.GPUHour < 0 {
		return fmt.Errorf("prices must be >= 0 USD per hour (got %g per core-hour, %g per GPU-hour)", p.CoreHour, p.GPUHour)
	}
	return nil
}

// PeakRSS is the largest resident memory high-water mark of the stages
// (0: not known).
func (res *Result) PeakRSS() int64 {
	var n int64
	for _, s := range res.Stages {
		n = max(n, s.PeakRSS)
	}
	return n
}

// PeakScratch is the most scratch bytes any stage saw (0: not known).
func (res *Result) PeakScratch() int64 {
	var n int64
	for _, s := range res.Stages {
		n = max(n, s.Scratch)
	}
	return n
}

// CPU is the job's CPU time: the sum over its stage runs.
func (res *Result) CPU() time.Duration {
	var d time.Duration
	for _, s := range res.Stages {
		d += s.CPU
	}
	return d
}

// GPUTime is the time the job held GPUs: the wall time of the stage runs
// placed on a GPU, times the GPUs that ran them.
func (res *Result) GPUTime() time.Duration {
	var d time.Duration
	for _, s := range res.Stages {
		d += s.Wall * time.Duration(s.GPUs)
	}
	return d
}

// Cost is the job's compute cost at the run's prices.
func (res *Result) Cost() float64 { return res.Prices.Cost(res.CPU(), res.GPUTime()) }
