// emulator.h: the C interface of the emulated device (emulator.cc).
#ifndef SLUICE_EMULATOR_H
#define SLUICE_EMULATOR_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
// sluice_emu_launch runs a kernel; 0 on success, -1 unknown kernel, -2
// wrong argument count, -3 bad grid or block shape.
int sluice_emu_launch(const char* name, int64_t grid, int64_t block, const uint64_t* args, int64_t nargs);
#ifdef __cplusplus
}
#endif
#endif
