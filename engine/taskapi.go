package engine

import (
	"github.com/sluice-ml/sluice/scheduler"
	"github.com/sluice-ml/sluice/task"
)

// The executor side lives in package task; the driver and the Go API use
// its types under these names.
type (
	Location        = task.Location
	Broadcast       = task.Broadcast
	TaskContext     = task.TaskContext
	Executor        = task.Executor
	Worker          = task.Worker
	Budget          = task.Budget
	Files           = task.Files
	LocalFiles      = task.LocalFiles
	Partition       = task.Partition
	PartitionRanger = task.PartitionRanger
	FetchFailed     = task.FetchFailed
	Hold            = task.Hold

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

const nullKey = task.NullKey

var (
	NewExecutor  = task.NewExecutor
	NewWorker    = task.NewWorker
	NewBudget    = task.NewBudget
	NewPartition = task.NewPartition
	HoldDir      = task.HoldDir
	CleanDebris  = task.CleanDebris
	IsOwnerFile  = task.IsOwnerFile
	CheckJobID   = task.CheckJobID
	Under        = task.Under
	DecodeResult = task.DecodeResult
	ParseBytes   = task.ParseBytes
	FormatBytes  = task.FormatBytes
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
)

var (
	ErrExecutorLost = scheduler.ErrExecutorLost
	NewLocal        = scheduler.NewLocal
	Retryable       = task.Retryable
	IsRetryable     = task.IsRetryable
	IsGPUEngine     = scheduler.IsGPUEngine
)
