package rtmp

import (
	"sync"
	"time"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

// onMedia places an audio or video message on the publish's timeline and
// hands it, classified by the media package (which keeps the codec state),
// to the publish's stream hub, which counts it and gives it to every AV
// hook. It does not allocate in steady state: the Frame is
// reused and the codec state is only replaced when a track, codec or
// parameter changes. A publish whose timestamps keep jumping is dropped.
func (s *Session) onMedia(m *chunk.Message) error {
	ps := s.pub
	if ps == nil || len(m.Payload) == 0 {
		return nil // nginx-rtmp ignores media outside a publish and empty bodies
	}
	if s.idle != nil {
		s.lastAV.Store(int64(time.Since(s.start)))
	}
	t, j, err := ps.clock.place(m.Type, int64(m.Timestamp), s.srv.now())
	if j != nil {
		s.logJump(j, ps.clock.njumps)
	}
	if err != nil {
		s.srv.reg.stats.jumpDrops.Add(1)
		return err
	}
	f := s.media.Media(m.Type, t, m.Payload)
	ps.stream.Write(f)
	f.Payload, f.Units = nil, nil
	return nil
}

// logJump logs a rebase of the timeline: the first of a publish at Warn,
// later ones at Debug (a publish that keeps jumping is dropped, and that
// is logged too).
func (s *Session) logJump(j *jump, n int) {
	s.srv.reg.stats.rebases.Add(1)
	log, msg := s.Logger().Debug, "timestamp jump; timeline rebased"
	if n == 1 {
		log, msg = s.Logger().Warn, "timestamp jump; timeline rebased (later jumps of this publish are logged at debug level)"
	}
	log(msg, "track", j.track, "from", j.from, "to", j.to, "now", j.at)
}

// onData handles an AMF0 data message (the AMF3 prefix already removed):
// "@setDataFrame" is stripped, onMetaData is kept in the codec state, and
// the body goes to the AV hooks as a TypeData frame.
func (s *Session) onData(m *chunk.Message, body []byte) error {
	ps := s.pub
	if ps == nil {
		return nil
	}
	lim := amf.DefaultLimits
	v, rest, err := amf.DecodeOne(body, lim)
	if err != nil {
		return nil // a broken data message is the recorder's loss, not a reason to drop
	}
	if v == "@setDataFrame" {
		body = rest
		if v, _, err = amf.DecodeOne(body, lim); err != nil {
			return nil
		}
	}
	if len(body) == 0 {
		return nil
	}
	if v == "onMetaData" {
		s.media.SetMetadata(body)
	}
	f := s.media.Data(ps.clock.data(int64(m.Timestamp)), body)
	ps.stream.Write(f)
	f.Payload = nil
	return nil
}

// idleTimer is drop_idle_publisher for one publish. Its callback runs on
// a timer goroutine, hence the mutex.
type idleTimer struct {
	mu      sync.Mutex
	t       *time.Timer
	stopped bool
}

// startIdleTimer arms drop_idle_publisher for the new publish: the
// publisher is dropped (CloseIdle) once no audio or video arrived for that
// long, so that an encoder reconnecting after a network failure is not
// locked out by its own dead session for the whole socket timeout.
func (s *Session) startIdleTimer() {
	d := s.App().DropIdlePublisher
	if d <= 0 {
		return
	}
	s.lastAV.Store(int64(time.Since(s.start)))
	it := &idleTimer{}
	it.mu.Lock()
	defer it.mu.Unlock()
	it.t = time.AfterFunc(d, func() {
		it.mu.Lock()
		if it.stopped {
			it.mu.Unlock()
			return
		}
		idle := time.Since(s.start) - time.Duration(s.lastAV.Load())
		if idle < d {
			it.t.Reset(d - idle)
			it.mu.Unlock()
			return
		}
		it.stopped = true
		it.mu.Unlock()
		s.Logger().Info("dropping idle publisher", "idle", idle.Round(time.Millisecond))
		s.Drop(CloseIdle)
	})
	s.idle = it
}

func (s *Session) stopIdleTimer() {
	if it := s.idle; it != nil {
		it.mu.Lock()
		it.stopped = true
		it.t.Stop()
		it.mu.Unlock()
		s.idle = nil
	}
}
