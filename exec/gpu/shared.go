package gpu

import (
	"errors"
	"fmt"
	"sync"

	"github.com/sluice-ml/sluice/exec/gpu/device"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
	"github.com/sluice-ml/sluice/exec/gpu/launch"
)

// DefaultMemoryFraction is the share of a GPU's free memory (when the
// process first uses it) that the process's memory pool takes unless
// SetMemoryLimit says otherwise.
const DefaultMemoryFraction = device.PoolFraction

// shared holds the process's engines: one per device, whatever the number
// of executors, slots and jobs in the process.
var shared struct {
	mu      sync.Mutex
	engines map[string]*Engine
	errs    map[string]error
	limit   int64 // pool bytes; 0 = DefaultMemoryFraction of free memory
}

// SetMemoryLimit caps the device memory pool of the engines Acquire opens
// from now on (bytes; 0 = DefaultMemoryFraction of the free memory). It
// fails once a shared engine is open: the pool is sized when it is made.
func SetMemoryLimit(bytes int64) error {
	if bytes < 0 {
		return fmt.Errorf("gpu memory limit: %d bytes; give a size of at least 0 (0 = %.0f%% of the free memory)", bytes, DefaultMemoryFraction*100)
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if len(shared.engines) > 0 && bytes != shared.limit {
		return fmt.Errorf("gpu memory limit: a device is already open with its pool sized")
	}
	shared.limit = bytes
	return nil
}

// Acquire returns the process's engine by name ("gpu": the first NVIDIA
// GPU on its primary context; "gpu-emulated": one emulated device),
// opening it on first use: every caller shares its context, kernels and
// memory pool. A device that failed to open keeps its error. Callers do
// not close it; CloseShared does, at exit.
func Acquire(name string) (*Engine, error) {
	if name != "gpu" && name != emulator.Name {
		return nil, fmt.Errorf("gpu: unknown engine %q (allowed: gpu, %s)", name, emulator.Name)
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if e, ok := shared.engines[name]; ok {
		return e, nil
	}
	if err, ok := shared.errs[name]; ok {
		return nil, err
	}
	dev, err := openDevice(name)
	if err != nil {
		if shared.errs == nil {
			shared.errs = map[string]error{}
		}
		shared.errs[name] = err
		return nil, err
	}
	e := NewEngineWith(dev, launch.Options{PoolBytes: shared.limit})
	if shared.engines == nil {
		shared.engines = map[string]*Engine{}
	}
	shared.engines[name] = e
	return e, nil
}

// CloseShared releases the engines Acquire opened (pools, streams,
// contexts); a later Acquire opens afresh.
func CloseShared() error {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	var errs []error
	for name, e := range shared.engines {
		errs = append(errs, e.Close())
		delete(shared.engines, name)
	}
	clear(shared.errs)
	return errors.Join(errs...)
}
