package engine

import (
	"fmt"
	"time"
)

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
