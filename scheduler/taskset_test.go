package scheduler

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// loseFirst is a transport whose executor "a" is lost on its first task.
type loseFirst struct {
	mu    sync.Mutex
	lostA bool
	ran   map[string][]Task
}

func (l *loseFirst) Executors() []ExecutorInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []ExecutorInfo{{ID: "b", Slots: 2}}
	if !l.lostA {
		out = append(out, ExecutorInfo{ID: "a", Slots: 2})
	}
	return out
}

func (l *loseFirst) Launch(ctx context.Context, exec string, st StageRun, t Task) (any, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if exec == "a" {
		l.lostA = true
		return nil, fmt.Errorf("%w: a crashed", ErrExecutorLost)
	}
	l.ran[exec] = append(l.ran[exec], t)
	return t.Index + 100, nil
}

// A task whose executor is lost goes back to the queue without spending an
// attempt; the lost executor gets no more tasks; every result arrives in
// task order.
func TestTaskSetRequeuesTasksOfALostExecutor(t *testing.T) {
	tr := &loseFirst{ran: map[string][]Task{}}
	s := &Scheduler{T: tr, MaxAttempts: 1}
	res, err := s.RunStage(context.Background(), StageRun{ID: 4, Kind: "test", Tasks: 20})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.(int) != i+100 {
			t.Fatalf("result %d = %v", i, r)
		}
	}
	if len(tr.ran["b"]) != 20 || len(tr.ran["a"]) != 0 {
		t.Fatalf("ran %d tasks on b and %d on a, want all 20 on b", len(tr.ran["b"]), len(tr.ran["a"]))
	}
	for _, tk := range tr.ran["b"] {
		if tk.Attempt != 0 || tk.Stage != 4 {
			t.Errorf("task %+v: a lost executor must not spend an attempt", tk)
		}
	}
}
