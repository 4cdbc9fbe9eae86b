package notify

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// job is one entry of a session's queue: an HTTP call (req may be nil) and
// what to do once its first attempt is answered.
type job struct {
	req *request
	// ctx bounds a blocking call (the session's context); fire-and-forget
	// calls use context.Background so that they outlive the session.
	ctx context.Context
	// retry: a failed attempt is retried with backoff (record_done,
	// publish_done, done). Blocking calls and on_update are never retried.
	retry bool
	// then runs after the first attempt (or at once when req is nil): it
	// delivers a verdict or starts exec commands, in queue order.
	then func(reply)
}

// queue sends one session's calls one at a time, in the order they were
// issued, so a receiver sees record_done before publish_done before done.
// Its goroutine exists only while jobs are pending.
type queue struct {
	m   *Module
	log *slog.Logger

	mu      sync.Mutex
	jobs    []*job
	running bool
}

func newQueue(m *Module, log *slog.Logger) *queue { return &queue{m: m, log: log} }

// push appends j and never blocks.
func (q *queue) push(j *job) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.jobs = append(q.jobs, j)
	if !q.running {
		q.running = true
		q.m.busyAdd(1)
		go q.run()
	}
}

func (q *queue) run() {
	defer q.m.busyAdd(-1)
	for {
		q.mu.Lock()
		if len(q.jobs) == 0 {
			q.running = false
			q.jobs = nil
			q.mu.Unlock()
			return
		}
		j := q.jobs[0]
		q.jobs[0] = nil
		q.jobs = q.jobs[1:]
		q.mu.Unlock()
		q.do(j)
	}
}

// do sends j, runs its continuation and, for fire-and-forget calls,
// retries while the failure may be transient.
func (q *queue) do(j *job) {
	if j.req == nil {
		if j.then != nil {
			j.then(reply{})
		}
		return
	}
	ctx := j.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	r := q.m.sendObserved(ctx, j.req)
	q.logReply(j, r, 0)
	if j.then != nil {
		j.then(r)
	}
	if !j.retry {
		return
	}
	delay := q.m.backoff()
	for i := 1; i <= q.m.retries() && r.transient(); i++ {
		t := time.NewTimer(delay)
		<-t.C
		delay *= 2
		r = q.m.sendObserved(ctx, j.req)
		q.logReply(j, r, i)
	}
	if r.transient() {
		q.log.Error("callback failed; giving up", "call", j.req.call, "url", j.req.url, "err", r.String())
	}
}

func (q *queue) logReply(j *job, r reply, attempt int) {
	switch {
	case r.transient() && j.retry:
		q.log.Warn("callback failed", "call", j.req.call, "url", j.req.url, "attempt", attempt+1, "err", r.String())
	case r.verdict() == deny:
		q.log.Info("callback answered", "call", j.req.call, "url", j.req.url, "reply", r.String())
	default:
		q.log.Debug("callback answered", "call", j.req.call, "url", j.req.url, "reply", r.String())
	}
}

// await pushes a blocking call and waits for its reply or for ctx (the
// session ending).
func (q *queue) await(ctx context.Context, req *request) (reply, error) {
	ch := make(chan reply, 1)
	q.push(&job{req: req, ctx: ctx, then: func(r reply) { ch <- r }})
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return reply{}, ctx.Err()
	}
}
