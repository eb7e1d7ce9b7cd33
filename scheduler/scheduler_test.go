package scheduler

import (
	"context"
	"errors"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/budget"
	"strings"
	"sync"
	"testing"
)

func TestSchedulerOrdersResultsAndRetries(t *testing.T) {
	lt, err := NewLocal(3, 2, 0, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	attempts := map[int]int{}
	st := StageRun{ID: 1, Kind: "test", Tasks: 50, Run: func(ctx context.Context, x *task.TaskContext, tk Task) (any, error) {
		mu.Lock()
		attempts[tk.Index]++
		mu.Unlock()
		if tk.Index%7 == 0 && tk.Attempt == 0 {
			return nil, Retryable(errors.New("lost fetch"))
		}
		return tk.Index * tk.Index, nil
	}}
	s := &Scheduler{T: lt, MaxAttempts: 3}
	res, err := s.RunStage(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.(int) != i*i {
			t.Fatalf("result %d = %v", i, r)
		}
		want := 1
		if i%7 == 0 {
			want = 2
		}
		if attempts[i] != want {
			t.Errorf("task %d ran %d times, want %d", i, attempts[i], want)
		}
	}
}

func TestSchedulerFatalAndExhaustedRetries(t *testing.T) {
	lt, _ := NewLocal(2, 1, 0, t.TempDir())
	s := &Scheduler{T: lt, MaxAttempts: 2}
	_, err := s.RunStage(context.Background(), StageRun{ID: 4, Tasks: 5, Run: func(ctx context.Context, x *task.TaskContext, tk Task) (any, error) {
		if tk.Index == 3 {
			return nil, Retryable(errors.New("disk hiccup"))
		}
		return nil, nil
	}})
	var te *TaskError
	if !errors.As(err, &te) || te.Index != 3 || te.Attempt != 1 || !strings.Contains(err.Error(), "disk hiccup") {
		t.Fatalf("got %v, want task 3 failing on its second attempt", err)
	}
	_, err = s.RunStage(context.Background(), StageRun{ID: 5, Tasks: 5, Run: func(ctx context.Context, x *task.TaskContext, tk Task) (any, error) {
		if tk.Index == 1 {
			panic("kernel bug")
		}
		return nil, nil
	}})
	if err == nil || !strings.Contains(err.Error(), "kernel bug") {
		t.Fatalf("panic not reported as a task failure: %v", err)
	}
}

func TestBudgetChargesArrowAllocations(t *testing.T) {
	b := budget.New(1 << 20)
	mem := b.Allocator(nil)
	buf := mem.Allocate(4096)
	if b.Used() != 4096 {
		t.Fatalf("used %d", b.Used())
	}
	buf = mem.Reallocate(8192, buf)
	if b.Used() != 8192 || b.Peak() != 8192 {
		t.Fatalf("used %d peak %d", b.Used(), b.Peak())
	}
	mem.Free(buf)
	if b.Used() != 0 || b.Peak() != 8192 {
		t.Fatalf("used %d peak %d after free", b.Used(), b.Peak())
	}
	if err := b.Check(2<<20, "sorting shard 3"); err == nil || !strings.Contains(err.Error(), "sorting shard 3") {
		t.Fatalf("Check = %v", err)
	}
}
