package task

import (
	"fmt"

	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/task/workdir"
)

// checkFragment validates what a fragment read from the wire names: its
// format version, the job ID, and the output's temporary directory
// (absolute, clean, a sink temporary directory) that shard-write tasks
// write into.
func checkFragment(f *pb.StageFragment) error {
	if v := f.GetFormatVersion(); v != FragmentVersion {
		return fmt.Errorf("stage fragment format version %d: this executor runs version %d only (driver and executor are of different sluice releases)", v, FragmentVersion)
	}
	if err := workdir.CheckJobID(f.GetJobId()); err != nil {
		return err
	}
	if d := f.GetBroadcast().GetOutDir(); d != "" {
		return workdir.CheckOutDir(d)
	}
	return nil
}
