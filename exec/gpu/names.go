package gpu

import (
	"github.com/sluice-ml/sluice/exec/gpu/device"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
)

// EmulatedName is the engine name of the emulated device (emulator.Name).
const EmulatedName = emulator.Name

// Device is what an Engine runs on (device.Device), named here for
// callers that build an engine on a device they opened.
type Device = device.Device

// NewEmulated opens an emulated device (emulator.New) for NewEngineOn.
func NewEmulated(memoryLimit int64) *emulator.Device { return emulator.New(memoryLimit) }
