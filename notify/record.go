package notify

import (
	"time"

	"github.com/rtmprecd/rtmprecd/record"
)

// RecordDone queues on_record_done, then exec_record_done, for one closed
// file. Subscribe it to the record module (rec.Events(n.RecordDone)); it
// never blocks. The recorder's on_record_done URL is used (conf already
// merged the application's into it); method, netcall and exec timeouts
// are the application's.
//
// The call goes through the publishing session's queue, so it reaches the
// receiver before that publish's publish_done and done; name and args are
// the ones the publisher requested, path and stream the renamed stream's.
func (m *Module) RecordDone(ev record.Event) {
	rc := ev.Config
	if rc == nil || (rc.OnRecordDone == "" && len(rc.ExecRecordDone) == 0) {
		return
	}
	c, orig, args := ev.Connect, ev.Name, ev.Args
	method, timeout, execTimeout := "post", DefaultNetcallTimeout, time.Duration(0)
	var q *queue
	if h := m.lookup(ev.Session); h != nil {
		q = h.q
		if c == nil {
			c = h.s.Connect()
		}
		if pi := h.current(); pi != nil {
			orig, args = pi.orig, pi.args
		}
		method, timeout, execTimeout = h.app.Notify.Method, h.app.Notify.NetcallTimeout, h.app.Exec.Timeout
	} else {
		// The session is not publishing through notify (a module list
		// without it first, or an event after its close): the call still
		// goes out, on a queue of its own.
		q = newQueue(m, m.logger().With("sid", ev.Session, "app", ev.App, "name", ev.Name))
	}
	j := &job{retry: true}
	if rc.OnRecordDone != "" {
		j.req = &request{call: "record_done", url: rc.OnRecordDone, method: method, timeout: timeout,
			form: recordDoneForm(c, orig, args, &ev)}
	}
	if cmds := rc.ExecRecordDone; len(cmds) > 0 {
		vars, log := recordVars(c, args, &ev), q.log
		j.then = func(reply) { m.runAll(cmds, vars, execTimeout, log, "exec_record_done") }
	}
	q.push(j)
}

// current returns the publish in progress, or nil.
func (h *hook) current() *pubInfo {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.pub
}
