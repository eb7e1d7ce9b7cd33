package cuda

import (
	"fmt"
	"sync"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/sluice-ml/sluice/exec/gpu/device"
)

// DeviceInfo is what detection reports about one GPU, for the executor's
// metadata, `driver explain` and the manifest.
type DeviceInfo struct {
	Index       int    `json:"index"`
	Name        string `json:"name"`
	MemoryBytes uint64 `json:"memory_bytes"`
	Compute     string `json:"compute_capability"` // "8.0"
}

// String formats the device as "NVIDIA A100 (80.0 GiB, sm_80)".
func (d DeviceInfo) String() string {
	return fmt.Sprintf("%s (%.1f GiB, compute %s)", d.Name, float64(d.MemoryBytes)/(1<<30), d.Compute)
}

// nvmlMu serialises NVML sessions (Init ... Shutdown).
var nvmlMu sync.Mutex

// Detect lists the NVIDIA GPUs through NVML. Every NVML call is made only
// after Init succeeded, and Shutdown follows. Without a driver (no
// libnvidia-ml, or Init fails) or with no GPU, the error wraps device.ErrNoDriver
// and reads "no NVIDIA driver: CPU engine"; it never panics.
func Detect() ([]DeviceInfo, error) {
	nvmlMu.Lock()
	defer nvmlMu.Unlock()
	if r := nvml.Init(); r != nvml.SUCCESS {
		return nil, fmt.Errorf("%w (NVML: %s)", device.ErrNoDriver, nvml.ErrorString(r))
	}
	defer nvml.Shutdown()
	n, r := nvml.DeviceGetCount()
	if r != nvml.SUCCESS {
		return nil, fmt.Errorf("%w (NVML device count: %s)", device.ErrNoDriver, nvml.ErrorString(r))
	}
	if n == 0 {
		return nil, fmt.Errorf("%w (the driver reports no GPU)", device.ErrNoDriver)
	}
	infos := make([]DeviceInfo, 0, n)
	for i := 0; i < n; i++ {
		dev, r := nvml.DeviceGetHandleByIndex(i)
		if r != nvml.SUCCESS {
			return nil, fmt.Errorf("gpu: NVML device %d: %s", i, nvml.ErrorString(r))
		}
		info := DeviceInfo{Index: i}
		if name, r := dev.GetName(); r == nvml.SUCCESS {
			info.Name = name
		}
		if mem, r := dev.GetMemoryInfo(); r == nvml.SUCCESS {
			info.MemoryBytes = mem.Total
		}
		if major, minor, r := dev.GetCudaComputeCapability(); r == nvml.SUCCESS {
			info.Compute = fmt.Sprintf("%d.%d", major, minor)
		}
		infos = append(infos, info)
	}
	return infos, nil
}
