package cuda

import (
	"fmt"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/sluice-ml/sluice/exec/gpu/device"
)

// DeviceMemory is one GPU's memory use, as NVML reports it.
type DeviceMemory struct {
	Index       int
	Name        string
	Used, Total uint64
}

// MemoryUsage reads every GPU's memory in use and total through NVML (for
// the metrics). Without a driver or a GPU the error wraps device.ErrNoDriver.
func MemoryUsage() ([]DeviceMemory, error) {
	nvmlMu.Lock()
	defer nvmlMu.Unlock()
	if r := nvml.Init(); r != nvml.SUCCESS {
		return nil, fmt.Errorf("%w (NVML: %s)", device.ErrNoDriver, nvml.ErrorString(r))
	}
	defer nvml.Shutdown()
	n, r := nvml.DeviceGetCount()
	if r != nvml.SUCCESS || n == 0 {
		return nil, fmt.Errorf("%w (no GPU)", device.ErrNoDriver)
	}
	out := make([]DeviceMemory, 0, n)
	for i := 0; i < n; i++ {
		dev, r := nvml.DeviceGetHandleByIndex(i)
		if r != nvml.SUCCESS {
			return nil, fmt.Errorf("gpu: NVML device %d: %s", i, nvml.ErrorString(r))
		}
		d := DeviceMemory{Index: i}
		if name, r := dev.GetName(); r == nvml.SUCCESS {
			d.Name = name
		}
		mem, r := dev.GetMemoryInfo()
		if r != nvml.SUCCESS {
			return nil, fmt.Errorf("gpu: NVML device %d memory: %s", i, nvml.ErrorString(r))
		}
		d.Used, d.Total = mem.Used, mem.Total
		out = append(out, d)
	}
	return out, nil
}
