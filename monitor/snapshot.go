package monitor

import "time"

// Snapshot is the driver's state at one instant, in plain values.
type Snapshot struct {
	Time      time.Time      `json:"time"`
	Mode      string         `json:"mode"` // embedded | cluster
	Jobs      []JobView      `json:"jobs"` // oldest first
	Executors []ExecutorView `json:"executors"`
	// LostExecutors counts the executors lost since the driver started.
	LostExecutors int `json:"lost_executors"`
}

// JobView is one job.
type JobView struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	State   string    `json:"state"` // running | succeeded | failed
	Error   string    `json:"error,omitempty"`
	Engine  string    `json:"engine"`
	Started time.Time `json:"started"`
	// Percent is the overall completion, stages weighted by their cost
	// estimates; ETASeconds the estimated time left (-1: unknown).
	Percent     float64     `json:"percent"`
	ETASeconds  float64     `json:"eta_seconds"`
	WallSeconds float64     `json:"wall_seconds"`
	CPUSeconds  float64     `json:"cpu_seconds"`
	GPUSeconds  float64     `json:"gpu_seconds"`
	Rows        int64       `json:"rows"`  // rows the scan read
	Bytes       int64       `json:"bytes"` // bytes over all stages
	Cost        float64     `json:"cost"`  // USD at the driver's prices (0: none given)
	Retries     int         `json:"retries"`
	Stages      []StageView `json:"stages"`
	// Output is set once the job succeeded.
	Output *OutputView `json:"output,omitempty"`
}

// StageView is one run of a plan stage (a later pass or a recompute is
// another run), or a plan stage not yet started.
type StageView struct {
	ID          int     `json:"id"`
	Kind        string  `json:"kind"`
	Label       string  `json:"label"`
	State       string  `json:"state"` // pending | running | done | failed
	Weight      float64 `json:"weight"`
	Tasks       int     `json:"tasks"` // -1: known at run time
	Done        int     `json:"done"`
	Running     int     `json:"running"`
	Failed      int     `json:"failed"` // failed attempts (retried or not)
	Rows        int64   `json:"rows"`
	Bytes       int64   `json:"bytes"`
	WallSeconds float64 `json:"wall_seconds"`
	CPUSeconds  float64 `json:"cpu_seconds"`
	GPUs        int     `json:"gpus"`
	// Task skew: the successful attempts' wall seconds.
	TaskMin    float64 `json:"task_min"`
	TaskMedian float64 `json:"task_median"`
	TaskMax    float64 `json:"task_max"`
	// Placement is each operator's engine ("Operator: engine"), with the
	// reason when it is not the first choice; Fallbacks the batches a
	// device gave back to the CPU, per operator.
	Placement []string         `json:"placement"`
	Fallbacks map[string]int64 `json:"fallbacks,omitempty"`
	// Executors counts the successful attempts per executor.
	Executors map[string]int `json:"executors"`
}

// OutputView is a finished job's manifest, in short.
type OutputView struct {
	Dir        string          `json:"dir"`
	RowsRead   int64           `json:"rows_read"`
	Filtered   int64           `json:"filtered"`
	Dropped    int64           `json:"dropped"`
	Written    int64           `json:"written"`
	Splits     []SplitView     `json:"splits"`
	Transforms []TransformView `json:"transforms"`
	Aggregates []string        `json:"aggregates"`
	Warnings   []string        `json:"warnings"`
}

// SplitView is one output split.
type SplitView struct {
	Name   string  `json:"name"`
	Ratio  float64 `json:"ratio"`
	Rows   int64   `json:"rows"`
	Shards int     `json:"shards"`
	Bytes  int64   `json:"bytes"`
}

// TransformView is one fitted transform.
type TransformView struct {
	Feature   string `json:"feature"`
	Transform string `json:"transform"`
	Source    string `json:"source"`
	Params    string `json:"params"` // the fitted parameters, JSON (shortened)
}

// ExecutorView is one executor.
type ExecutorView struct {
	ID     string `json:"id"`
	Addr   string `json:"addr"`
	Engine string `json:"engine"` // engines it runs, first preferred
	Device string `json:"device"` // cpu, or the GPU it drives
	Slots  int    `json:"slots"`
	// Memory is the Arrow budget in bytes; MemoryUsed what is in use
	// (-1: not known to the driver).
	Memory        int64     `json:"memory"`
	MemoryUsed    int64     `json:"memory_used"`
	Running       int       `json:"running"`
	Done          int       `json:"done"`
	Failed        int       `json:"failed"`
	LastHeartbeat time.Time `json:"last_heartbeat"`
	State         string    `json:"state"` // alive | leaving | unreachable | lost
}

// ExecutorSource lists a cluster's executors (its ring), lost ones
// included; task counts are the Tracker's.
type ExecutorSource interface {
	Executors() []ExecutorView
}
