package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/sluice-ml/sluice/cluster/auth"
	pb "github.com/sluice-ml/sluice/proto"
)

// ErrJobUsage marks a submitted job refused because the job file or the
// command is wrong (exit 2).
var ErrJobUsage = errors.New("job refused")

// dialDriver connects to a serving driver.
func dialDriver(addr string, sec auth.Security) (pb.DriverClient, func(), error) {
	opts, err := sec.DialOptions()
	if err != nil {
		return nil, nil, err
	}
	c, err := grpc.NewClient(addr, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("--driver %s: %w", addr, err)
	}
	return pb.NewDriverClient(c), func() { c.Close() }, nil
}

// Submit sends a job file to a serving driver, writes its progress lines to
// progress (may be nil) and returns the summary. A job the driver refuses
// as wrong wraps ErrJobUsage.
func Submit(ctx context.Context, addr string, sec auth.Security, file string, sets []string, engineChoice string, progress io.Writer) (summary string, err error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%w: %s: cannot read job file: %v", ErrJobUsage, file, err)
	}
	if abs, err := filepath.Abs(file); err == nil {
		file = abs
	}
	cl, done, err := dialDriver(addr, sec)
	if err != nil {
		return "", err
	}
	defer done()
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("%w: the working directory, against which the job's relative paths resolve: %v", ErrJobUsage, err)
	}
	st, err := cl.Submit(ctx, &pb.SubmitRequest{File: file, Data: data, Sets: sets, Engine: engineChoice, ClientDir: wd})
	if err != nil {
		return "", fmt.Errorf("submit to %s: %w", addr, err)
	}
	for {
		e, err := st.Recv()
		if err == io.EOF {
			return "", fmt.Errorf("driver %s ended the stream without an outcome", addr)
		}
		if err != nil {
			return "", fmt.Errorf("driver %s: %w", addr, err)
		}
		if e.Progress != "" && progress != nil {
			fmt.Fprintf(progress, "[%s] %s\n", e.JobId, e.Progress)
		}
		if !e.Done {
			continue
		}
		if e.Error != "" {
			if e.UsageError {
				return "", fmt.Errorf("%w: %s", ErrJobUsage, e.Error)
			}
			return "", fmt.Errorf("job %s failed: %s", e.JobId, e.Error)
		}
		return e.Summary, nil
	}
}

// Status asks a serving driver for one job (jobID) or all jobs ("") and
// its executors, and writes a report to w.
func Status(ctx context.Context, addr string, sec auth.Security, jobID string, w io.Writer) error {
	cl, done, err := dialDriver(addr, sec)
	if err != nil {
		return err
	}
	defer done()
	var hdr metadata.MD
	rep, err := cl.Status(ctx, &pb.StatusRequest{JobId: jobID}, grpc.Header(&hdr))
	if err != nil {
		return fmt.Errorf("driver %s: %w", addr, err)
	}
	if len(hdr.Get(auth.InsecureHeader)) > 0 {
		fmt.Fprintf(w, "%s\n\n", auth.InsecureWarning)
	}
	fmt.Fprintf(w, "%-32s %-10s %5s %8s %9s %9s %10s  %s\n", "job", "state", "done", "eta", "wall", "cpu", "cost", "stage")
	for _, j := range rep.Jobs {
		eta := "-"
		if j.State == "running" && j.EtaSeconds >= 0 {
			eta = (time.Duration(j.EtaSeconds) * time.Second).String()
		}
		cost := "-"
		if j.Cost > 0 {
			cost = fmt.Sprintf("$%.4f", j.Cost)
		}
		fmt.Fprintf(w, "%-32s %-10s %4.0f%% %8s %8.1fs %8.1fs %10s  %s\n", j.JobId, j.State, j.Percent, eta, j.WallSeconds, j.CpuSeconds, cost, j.Stage)
		if j.Error != "" {
			fmt.Fprintf(w, "  error: %s\n", j.Error)
		}
	}
	fmt.Fprintf(w, "\n%d executors\n", len(rep.Executors))
	for _, e := range rep.Executors {
		fmt.Fprintf(w, "%-32s %-22s slots %d  engines %s  memory %s  tasks done %d\n", e.Id, e.Addr, e.Slots, e.Engines, fmtBytes(e.Memory), e.TasksDone)
	}
	return nil
}

// fmtBytes formats a byte count for status lines.
func fmtBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1fGiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%dB", n)
}
