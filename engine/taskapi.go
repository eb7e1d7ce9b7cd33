package engine

import (
	"github.com/sluice-ml/sluice/scheduler"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/budget"
	"github.com/sluice-ml/sluice/task/exchange"
	"github.com/sluice-ml/sluice/task/rows"
	"github.com/sluice-ml/sluice/task/workdir"
)

// The executor side lives in package task; the driver and the Go API use
// its types under these names.
type (
	Location        = task.Location
	Broadcast       = task.Broadcast
	TaskContext     = task.TaskContext
	Executor        = task.Executor
	Worker          = task.Worker
	Budget          = budget.Budget
	Files           = exchange.Files
	LocalFiles      = exchange.LocalFiles
	Partition       = exchange.Partition
	PartitionRanger = exchange.PartitionRanger
	FetchFailed     = exchange.FetchFailed
	Hold            = workdir.Hold

	jobEnv       = task.Env
	scanResult   = task.ScanResult
	aggPart      = task.AggPart
	windowResult = task.WindowResult
	fitPartial   = task.FitPartial
	shardResult  = task.ShardResult
	fitted       = task.Fitted
)

// FragmentVersion is the stage fragment format this build writes.
const FragmentVersion = task.FragmentVersion

const nullKey = rows.NullKey

var (
	NewExecutor  = task.NewExecutor
	NewWorker    = task.NewWorker
	NewBudget    = budget.New
	NewPartition = exchange.NewPartition
	HoldDir      = workdir.HoldDir
	CleanDebris  = workdir.CleanDebris
	IsOwnerFile  = workdir.IsOwnerFile
	CheckJobID   = workdir.CheckJobID
	Under        = workdir.Under
	DecodeResult = task.DecodeResult
	ParseBytes   = budget.ParseBytes
	FormatBytes  = budget.FormatBytes
)

// The scheduler lives in package scheduler.
type (
	Task             = scheduler.Task
	TaskFunc         = scheduler.TaskFunc
	StageRun         = scheduler.StageRun
	TaskError        = scheduler.TaskError
	Transport        = scheduler.Transport
	ExecutorInfo     = scheduler.ExecutorInfo
	Scheduler        = scheduler.Scheduler
	MembershipEvents = scheduler.MembershipEvents
	LocalTransport   = scheduler.LocalTransport
	CPUMeter         = scheduler.CPUMeter
)

var (
	ErrExecutorLost = scheduler.ErrExecutorLost
	NewLocal        = scheduler.NewLocal
	Retryable       = exchange.Retryable
	IsRetryable     = exchange.IsRetryable
	IsGPUEngine     = scheduler.IsGPUEngine
	ProcessCPU      = task.ProcessCPU
)
