package control

import (
	"sync/atomic"

	"github.com/rtmprecd/rtmprecd/hub"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// Module is the control API's entry in the daemon's module list. It
// counts the sessions that sent connect (naccepted in /stat) and gives
// the API each publish's stream hub, whose counters (bytes and bandwidth
// in, per media type) /stat and /control/status show and whose Done
// channel drop waits for. It has no per-session hook, so its place in the
// module list does not matter.
type Module struct {
	accepted atomic.Uint64 // sessions that sent connect
}

var _ rtmp.Module = (*Module)(nil)

// Name returns "control".
func (m *Module) Name() string { return "control" }

// Hook counts the session and takes no part in it: the stream hub
// meters every publish.
func (m *Module) Hook(_ *rtmp.Session) rtmp.Hooks {
	m.accepted.Add(1)
	return rtmp.Hooks{}
}

// Accepted is the number of sessions that sent connect since start
// (naccepted in /stat).
func (m *Module) Accepted() uint64 { return m.accepted.Load() }

// Meter returns the stream hub of s's current publish, or nil when s is
// not publishing (or m or s is nil: an API without the module shows no
// figures).
func (m *Module) Meter(s *rtmp.Session) *hub.Stream {
	if m == nil || s == nil {
		return nil
	}
	return s.Stream()
}
