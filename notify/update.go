package notify

import (
	"time"

	"github.com/rtmprecd/rtmprecd/rtmp"
)

// scheduleUpdate arms the next on_update of publish generation gen, as
// nginx-rtmp does: notify_update_timeout after the publish, then again
// after each answer. Called with h.mu held.
func (h *hook) scheduleUpdate(gen int) {
	n := h.app.Notify
	if n.OnUpdate == "" || n.UpdateTimeout <= 0 {
		return
	}
	h.timer = time.AfterFunc(n.UpdateTimeout, func() { h.sendUpdate(gen) })
}

// sendUpdate queues one on_update call unless the publish ended.
func (h *hook) sendUpdate(gen int) {
	h.mu.Lock()
	pi, first, st := h.pub, h.first, h.stream
	current := h.gen == gen && pi != nil
	h.mu.Unlock()
	if !current {
		return
	}
	var ts int64
	if st != nil {
		ts = st.Timestamp()
	}
	f := updateForm(h.s.Connect(), h.s.ID(), pi, time.Since(first), ts)
	req := h.request("update_publish", h.app.Notify.OnUpdate, f)
	h.q.push(&job{req: req, then: func(r reply) { h.updated(gen, r) }})
}

// updated applies on_update's answer: a deny (including no answer) drops
// the publisher; with notify_update_strict so does a 3xx. Otherwise the
// next update is armed.
func (h *hook) updated(gen int, r reply) {
	v := r.verdict()
	failed := v == deny || (v == redirect && h.app.Notify.UpdateStrict)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gen != gen || h.pub == nil {
		return
	}
	if failed {
		h.logger().Warn("on_update failed; dropping the publisher", "url", h.app.Notify.OnUpdate, "reply", r.String())
		h.s.Drop(rtmp.CloseDrop)
		return
	}
	h.scheduleUpdate(gen)
}
