package scheduler

import (
	"context"
	"fmt"
	"github.com/sluice-ml/sluice/task"
	"sync"
	"testing"
)

func TestTaskQueuePrefersLocalInput(t *testing.T) {
	where := map[int]string{0: "a", 1: "b", 2: "a", 3: "c"}
	q := newTaskQueue(func(t Task) string { return where[t.Index] })
	for i := 0; i < 4; i++ {
		q.push(Task{Index: i})
	}
	for _, c := range []struct {
		exec string
		want int
	}{{"b", 1}, {"c", 3}, {"c", 0}, {"a", 2}} {
		got, ok := q.pop(c.exec)
		if !ok || got.Index != c.want {
			t.Fatalf("pop(%s) = %d, %v; want %d", c.exec, got.Index, ok, c.want)
		}
	}
	q.close()
	if _, ok := q.pop("a"); ok {
		t.Fatal("pop after close returned a task")
	}
}

// With one slot per executor and every task's input on some executor, each
// executor first runs the tasks whose inputs it holds.
func TestSchedulerRunsTasksWhereTheirInputIs(t *testing.T) {
	lt, err := NewLocal(3, 1, 0, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ranOn := map[int]string{}
	first := map[string]int{} // executor -> first task it ran
	st := StageRun{ID: 1, Tasks: 9,
		Prefer: func(tk Task) string { return fmt.Sprintf("local-%d", tk.Index%3) },
		Run: func(ctx context.Context, x *task.TaskContext, tk Task) (any, error) {
			mu.Lock()
			defer mu.Unlock()
			ranOn[tk.Index] = x.Executor
			if _, ok := first[x.Executor]; !ok {
				first[x.Executor] = tk.Index
			}
			return nil, nil
		}}
	if _, err := (&Scheduler{T: lt}).RunStage(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	if len(ranOn) != 9 {
		t.Fatalf("ran %d tasks", len(ranOn))
	}
	for exec, i := range first {
		if want := fmt.Sprintf("local-%d", i%3); exec != want {
			t.Errorf("%s started with task %d, whose input is on %s", exec, i, want)
		}
	}
}
