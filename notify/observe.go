package notify

import (
	"context"
	"strconv"
	"time"
)

// Observer is told how every callback attempt and exec command went, for
// metrics. Methods run on the notify module's goroutines (never on a
// session's media path) and must return quickly.
type Observer interface {
	// NotifyCall reports one HTTP attempt: event is the call= value
	// (connect, publish, publish_done, done, record_done, update), result
	// the status class ("2xx" ... "5xx") or "error" when no answer was
	// read, d the attempt's duration. A retry is another attempt.
	NotifyCall(event, result string, d time.Duration)
	// ExecRun reports how one exec_* command ended: "ok", "failed"
	// (non-zero exit or a signal), "timeout" (killed after exec_timeout),
	// "not_started", or "dropped" (exec_max_children were running and the
	// queue was full).
	ExecRun(result string)
}

// Results of Observer.ExecRun.
const (
	execOK         = "ok"
	execFailed     = "failed"
	execTimeout    = "timeout"
	execNotStarted = "not_started"
	execDropped    = "dropped"
)

// sendObserved makes one attempt and reports it to the Observer.
func (m *Module) sendObserved(ctx context.Context, req *request) reply {
	if m.Observer == nil {
		return send(ctx, m.httpClient(), req)
	}
	start := time.Now()
	r := send(ctx, m.httpClient(), req)
	m.Observer.NotifyCall(req.call, r.class(), time.Since(start))
	return r
}

// class is the reply's result label: the status class, or "error".
func (r reply) class() string {
	if r.err != nil || r.status < 100 || r.status > 599 {
		return "error"
	}
	return strconv.Itoa(r.status/100) + "xx"
}

func (m *Module) observeExec(result string) {
	if m.Observer != nil {
		m.Observer.ExecRun(result)
	}
}
