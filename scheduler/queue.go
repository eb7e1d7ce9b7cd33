package scheduler

import "sync"

// taskQueue holds a stage's pending tasks. A worker takes the first task
// whose input lives on its executor (locality: it reads the file instead of
// fetching it over the network), else the first task (no slot idles while
// work is pending).
type taskQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending []Task
	closed  bool
	prefer  func(Task) string // executor holding the task's input; nil: none
}

func newTaskQueue(prefer func(Task) string) *taskQueue {
	q := &taskQueue{prefer: prefer}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// push adds a task (a new one or a retry).
func (q *taskQueue) push(t Task) {
	q.mu.Lock()
	q.pending = append(q.pending, t)
	q.mu.Unlock()
	q.cond.Signal()
}

// close wakes every waiting worker; pop then reports false.
func (q *taskQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

// pop blocks until a task is pending or the queue is closed.
func (q *taskQueue) pop(exec string) (Task, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.pending) == 0 && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return Task{}, false
	}
	pick := 0
	if q.prefer != nil {
		for i, t := range q.pending {
			if q.prefer(t) == exec {
				pick = i
				break
			}
		}
	}
	t := q.pending[pick]
	q.pending = append(q.pending[:pick], q.pending[pick+1:]...)
	return t, true
}
