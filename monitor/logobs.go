package monitor

import (
	"log/slog"

	"github.com/sluice-ml/sluice/engine/runreport"
)

// LogObserver logs a job's stages and failed task attempts with the job,
// stage, task and attempt ids as attributes.
func LogObserver(l *slog.Logger) runreport.Observer { return logObserver{l} }

type logObserver struct{ l *slog.Logger }

func (o logObserver) JobStarted(s runreport.JobStart) {
	o.l.Info("job "+s.JobID+" started", "job", s.JobID, "name", s.Name, "engine", s.Engine, "stages", len(s.Stages))
}

func (o logObserver) StageStarted(s runreport.StageStart) {
	o.l.Info("job "+s.JobID+" stage "+s.Label+" started", "job", s.JobID, "stage", s.ID, "kind", s.Kind, "label", s.Label, "tasks", s.Tasks)
}

func (o logObserver) TaskStarted(runreport.TaskStart) {}

func (o logObserver) TaskEnded(e runreport.TaskEnd) {
	if e.Err == nil {
		return
	}
	msg := "task attempt failed"
	if e.Lost {
		msg = "task attempt lost with its executor"
	}
	o.l.Warn(msg, "job", e.JobID, "stage", e.Stage, "label", e.Label, "task", e.Index, "attempt", e.Attempt,
		"executor", e.Executor, "error", e.Err.Error())
}

func (o logObserver) StageEnded(jobID string, s runreport.StageStat) {
	o.l.Info("job "+jobID+" stage "+s.Kind+" done", "job", jobID, "stage", s.ID, "label", s.Kind, "tasks", s.Tasks, "rows", s.Rows, "bytes", s.Bytes,
		"wall", s.Wall.String(), "cpu", s.CPU.String())
}

func (o logObserver) JobEnded(jobID string, res *runreport.Result, err error) {
	if err != nil {
		o.l.Warn("job "+jobID+" failed", "job", jobID, "error", err.Error())
		return
	}
	o.l.Info("job "+jobID+" done", "job", jobID, "wall", res.Wall.String(), "cpu", res.CPU().String(), "rows_written", res.Manifest.Rows.Written)
}

// Observers tells each observer in turn; nil ones are skipped.
func Observers(obs ...runreport.Observer) runreport.Observer {
	var keep multi
	for _, o := range obs {
		if o != nil {
			keep = append(keep, o)
		}
	}
	if len(keep) == 1 {
		return keep[0]
	}
	return keep
}

type multi []runreport.Observer

func (m multi) JobStarted(s runreport.JobStart) {
	for _, o := range m {
		o.JobStarted(s)
	}
}

func (m multi) StageStarted(s runreport.StageStart) {
	for _, o := range m {
		o.StageStarted(s)
	}
}

func (m multi) TaskStarted(s runreport.TaskStart) {
	for _, o := range m {
		o.TaskStarted(s)
	}
}

func (m multi) TaskEnded(e runreport.TaskEnd) {
	for _, o := range m {
		o.TaskEnded(e)
	}
}

func (m multi) StageEnded(id string, s runreport.StageStat) {
	for _, o := range m {
		o.StageEnded(id, s)
	}
}

func (m multi) JobEnded(id string, res *runreport.Result, err error) {
	for _, o := range m {
		o.JobEnded(id, res, err)
	}
}
