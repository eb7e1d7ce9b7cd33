package planner

import (
	"strconv"
)

// ScratchCodec is the codec EXPLAIN shows for the cache; the engine's
// default (SLUICE_SCRATCH_CODEC overrides it at run time).
const ScratchCodec = "none"

func fmtFloat(f float64) string {
	return strconv.FormatFloat(f, 'g', -1, 64)
}
