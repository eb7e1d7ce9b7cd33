// The emulated device's kernels: the CUDA sources under kernels/ compiled
// for the CPU against the host shim (kernels/host.h).
#include "../kernels/host.h"
#include "emulator.h"

extern "C" int sluice_emu_launch(const char* name, int64_t grid, int64_t block, const uint64_t* args, int64_t nargs) {
  return sluice_host::launch(name, grid, block, args, nargs);
}
