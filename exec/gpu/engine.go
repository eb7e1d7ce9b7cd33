package gpu

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/gpu/aggregate"
	"github.com/sluice-ml/sluice/exec/gpu/cuda"
	"github.com/sluice-ml/sluice/exec/gpu/device"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
	"github.com/sluice-ml/sluice/exec/gpu/launch"
)

// Engine is the GPU engine: it places the operators its kernels implement
// on a device and answers "unsupported because ..." for the rest, which
// the planner runs on the CPU engine.
type Engine struct {
	dev *device.Guarded
	k   *launch.Kernels
	sk  *StageKernels
}

var _ exec.Engine = (*Engine)(nil)

// NewEngine opens a new engine by name: "gpu" opens the first NVIDIA GPU
// (an error wrapping ErrNoDriver without a driver: it never emulates),
// "gpu-emulated" an emulated device. The caller closes the engine.
// Processes share one engine per device through Acquire.
func NewEngine(name string) (*Engine, error) {
	dev, err := openDevice(name)
	if err != nil {
		return nil, err
	}
	return NewEngineOn(dev), nil
}

func openDevice(name string) (device.Device, error) {
	switch name {
	case "gpu":
		if _, err := cuda.Detect(); err != nil {
			return nil, err
		}
		return cuda.Open(0)
	case emulator.Name:
		return emulator.New(0), nil
	}
	return nil, fmt.Errorf("gpu: unknown engine %q (allowed: gpu, %s)", name, emulator.Name)
}

// NewEngineOn returns the engine of an open device; closing the engine
// closes the device.
func NewEngineOn(dev device.Device) *Engine { return NewEngineWith(dev, launch.Options{}) }

// NewEngineWith returns the engine of an open device with kernel options
// (the pool's size). The device is guarded: after a sticky CUDA error
// every operator falls back to the CPU engine.
func NewEngineWith(dev device.Device, o launch.Options) *Engine {
	g := device.Guard(dev)
	k := launch.NewKernelsWith(g, o)
	return &Engine{dev: g, k: k, sk: NewStageKernels(k)}
}

// Unhealthy returns the sticky error that made the engine's device
// unusable, or nil while it is healthy.
func (e *Engine) Unhealthy() error {
	if e.dev == nil { // Capabilities: no device
		return nil
	}
	return e.dev.Unhealthy()
}

// Name implements exec.Engine: "gpu" or "gpu-emulated".
func (e *Engine) Name() string { return e.dev.Name() }

// Describe says what runs the kernels, for EXPLAIN and the manifest.
func (e *Engine) Describe() string { return e.dev.Describe() }

// Kernels returns the engine's kernels.
func (e *Engine) Kernels() *launch.Kernels { return e.k }

// StageKernels returns the engine's stage kernels (one per engine, so a
// compiled filter program is shared by its tasks).
func (e *Engine) StageKernels() *StageKernels { return e.sk }

// Close releases the kernels' pool and streams, then the device.
func (e *Engine) Close() error { return errors.Join(e.k.Close(), e.dev.Close()) }

// numericReason is "" when every input is a fixed-width numeric column the
// kernels read, else why not.
func numericReason(inputs []arrow.DataType) string {
	for _, dt := range inputs {
		switch t := dt.(type) {
		case *arrow.Int64Type, *arrow.Float64Type, *arrow.BooleanType:
		case *arrow.TimestampType:
			if t.Unit != arrow.Microsecond {
				return fmt.Sprintf("unsupported because the GPU kernels take timestamp[us], not %s", dt)
			}
		case *arrow.DictionaryType:
			return "unsupported because string (dictionary) columns are hashed and looked up on the CPU engine"
		default:
			return fmt.Sprintf("unsupported because the GPU kernels take int64, float64, bool and timestamp[us] columns, not %s", dt)
		}
	}
	return ""
}

func support(reason string) exec.Support {
	if reason == "" {
		return exec.Support{OK: true}
	}
	return exec.Support{Reason: reason}
}

// stringReason is "" for the string types the device hashes (utf8,
// large_utf8, dictionary<int32, utf8>).
func stringReason(dt arrow.DataType) string {
	switch t := dt.(type) {
	case *arrow.StringType, *arrow.LargeStringType:
		return ""
	case *arrow.DictionaryType:
		if t.IndexType.ID() == arrow.INT32 && t.ValueType.ID() == arrow.STRING {
			return ""
		}
	}
	return fmt.Sprintf("unsupported because the GPU kernels hash utf8, large_utf8 and dictionary<int32, utf8> strings, not %s", dt)
}

// Supports implements exec.Engine.
func (e *Engine) Supports(op exec.OpKind, inputs []arrow.DataType) exec.Support {
	if bad := e.Unhealthy(); bad != nil {
		return exec.Support{Unavailable: true, Reason: fmt.Sprintf("unavailable because the device is unhealthy after a sticky error (%v)", bad)}
	}
	switch op {
	case exec.OpFit:
		// The device reduces moments in the CPU engine's canonical order
		// and counts int64 values exactly (StageKernels.FitStats); the
		// quantile sketch and string counts fold on the host.
		for _, dt := range inputs {
			if numericReason([]arrow.DataType{dt}) == "" {
				return exec.Support{OK: true}
			}
		}
		return support("unsupported because every fit column is a string: their value counts fold on the host")
	case exec.OpTransform:
		// Per feature: numeric transforms, hash, vocab and onehot of
		// numeric columns and vocab/onehot of dictionary strings run on the
		// device; transform.Apply answers ErrUnsupported for the hash
		// transform of strings, which the engine applies on the CPU.
		for _, dt := range inputs {
			if numericReason([]arrow.DataType{dt}) == "" {
				return exec.Support{OK: true}
			}
			if _, ok := dt.(*arrow.DictionaryType); ok && stringReason(dt) == "" {
				return exec.Support{OK: true}
			}
		}
		return support(numericReason(inputs))
	case exec.OpHash:
		for _, dt := range inputs {
			if numericReason([]arrow.DataType{dt}) != "" && stringReason(dt) != "" {
				if _, isStr := dt.(*arrow.DictionaryType); isStr || dt.ID() == arrow.STRING || dt.ID() == arrow.LARGE_STRING {
					return support(stringReason(dt))
				}
				return support(numericReason([]arrow.DataType{dt}))
			}
		}
		return exec.Support{OK: true}
	case exec.OpSplit, exec.OpShardAssign, exec.OpShardSort:
		return exec.Support{OK: true}
	case exec.OpGroupCount:
		if len(inputs) != 1 {
			return support(fmt.Sprintf("unsupported because the GPU hash table takes one int64 key column, not %d columns", len(inputs)))
		}
		switch t := inputs[0].(type) {
		case *arrow.Int64Type:
			return exec.Support{OK: true}
		case *arrow.TimestampType:
			if t.Unit == arrow.Microsecond {
				return exec.Support{OK: true}
			}
		}
		return support(fmt.Sprintf("unsupported because the GPU hash table takes an int64 or timestamp[us] key, not %s", inputs[0]))
	case exec.OpFilter:
		// Per expression: filter.Compile answers ErrUnsupported (naming the
		// construct) for what the device program does not cover.
		for _, dt := range inputs {
			switch dt.ID() {
			case arrow.INT64, arrow.FLOAT64, arrow.BOOL:
			default:
				return support(fmt.Sprintf("unsupported because the GPU filter compares int64 and float64 columns and reads bool columns, not %s", dt))
			}
		}
		return exec.Support{OK: true}
	case exec.OpScan, exec.OpSink, exec.OpShuffle:
		return support(fmt.Sprintf("unsupported because %s is file and network I/O, which runs on the host", op))
	case exec.OpAggregate:
		// inputs: the group-by key's type, then the aggregated columns'.
		// aggregate.GroupAggregate checks what the types cannot show (one
		// key, no count_distinct) with aggregate.GroupAggregateSupport.
		return support(aggregateReason(inputs))
	case exec.OpSort, exec.OpPartition, exec.OpProject:
		return support(fmt.Sprintf("unsupported because there is no GPU kernel for %s", op))
	}
	return support(fmt.Sprintf("unsupported because the GPU engine does not know operator %q", op))
}

// aggregateReason is "" when aggregate.GroupAggregate takes inputs (a key
// type, then value types), else why not.
func aggregateReason(inputs []arrow.DataType) string {
	if len(inputs) == 0 {
		return "unsupported because the GPU hash table needs a group-by key (a global aggregate runs on the CPU engine)"
	}
	if r := aggregate.KeyReason(inputs[0]); r != "" {
		return "unsupported because " + r
	}
	for _, dt := range inputs[1:] {
		if r := aggregate.ValueReason(dt); r != "" {
			return "unsupported because " + r
		}
	}
	return ""
}
