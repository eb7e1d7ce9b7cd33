package gpu

import (
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/cpu/stats"
	"github.com/sluice-ml/sluice/exec/gpu/aggregate"
	"github.com/sluice-ml/sluice/exec/gpu/device"
)

// FitStats adds the selected rows of col to one feature's partials. The
// per-row reductions run on the device: the moments and log1p moments (in
// the canonical order of stats.MomentsTile, so with the CPU engine's bits)
// and the exact counts of int64 and timestamp values. The quantile
// sketch's samples and the counts of other types (strings, floats, bools)
// are folded on the host, as on the CPU engine. A device failure leaves
// fs unchanged, so the fallback can run the batch on the CPU.
func (s *StageKernels) FitStats(fs *feature.FeatureStats, col arrow.Array, sel []int32) error {
	var mom, lg stats.Moments
	var err error
	if fs.Moments != nil {
		if mom, err = aggregate.Moments(s.k, col, sel); err != nil {
			return err
		}
	}
	if fs.Log1p != nil {
		if lg, err = aggregate.MomentsLog1p(s.k, col, sel); err != nil {
			return err
		}
	}
	var vc *stats.ValueCounts
	if fs.Counts != nil && deviceCounts(col.DataType()) {
		if vc, err = aggregate.ValueCounts(s.k, col, sel); err != nil {
			return err
		}
		if fs.Counts.Kind != "" && fs.Counts.Kind != vc.Kind {
			return fmt.Errorf("value counts: column kind %s after %s: %w", vc.Kind, fs.Counts.Kind, device.ErrUnsupported)
		}
	}
	if fs.Quantiles != nil {
		if err := fs.Quantiles.Update(col, sel); err != nil {
			return err
		}
	}
	if fs.Counts != nil && vc == nil {
		if err := fs.Counts.Update(col, sel); err != nil {
			return err
		}
	}
	if fs.Moments != nil {
		fs.Moments.Merge(mom)
	}
	if fs.Log1p != nil {
		fs.Log1p.Merge(lg)
	}
	if vc != nil {
		fs.Counts.Merge(vc)
	}
	fitBatches.Add(1)
	return nil
}

// fitBatches counts batches whose fit partials the device reduced.
var fitBatches atomic.Int64

// FitBatches is how many batches StageKernels.FitStats ran on a device in
// this process (for tests).
func FitBatches() int64 { return fitBatches.Load() }

// deviceCounts reports whether the device counts values of type dt.
func deviceCounts(dt arrow.DataType) bool {
	switch t := dt.(type) {
	case *arrow.Int64Type:
		return true
	case *arrow.TimestampType:
		return t.Unit == arrow.Microsecond
	}
	return false
}
