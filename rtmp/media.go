package rtmp

import (
	"bytes"
	"sync"
	"time"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

// Enhanced RTMP video packet types (enhanced-rtmp v1).
const (
	exSequenceStart        = 0
	exMPEG2TSSequenceStart = 5
	exMultitrack           = 6
	exModEx                = 7
)

// Legacy FLV video codec ids with an AVCPacketType byte.
const (
	codecAVC  = 7
	codecHEVC = 12
	soundAAC  = 10
)

// onMedia places an audio or video message on the publish's timeline,
// classifies it, updates the codec state when a header changes and hands
// the frame to every AV hook. It does not allocate in steady state: the
// Frame is reused and the codec state is only replaced when something in
// it changes. A publish whose timestamps keep jumping is dropped.
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
	f := &s.frame
	f.Type, f.Time, f.Payload = m.Type, t, m.Payload
	if m.Type == TypeVideo {
		f.Keyframe, f.SeqHeader = s.video(m.Payload)
	} else {
		f.Keyframe, f.SeqHeader = false, s.audio(m.Payload)
	}
	for _, h := range ps.av {
		h.OnAV(f)
	}
	f.Payload = nil
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

// video reads the first bytes of a video message: legacy
// FrameType<<4|CodecID with an AVCPacketType for AVC and HEVC, or an
// Enhanced RTMP header (IsExHeader bit, frame type, packet type, FourCC).
func (s *Session) video(p []byte) (key, seq bool) {
	b := p[0]
	cur := s.codec.Load()
	if b&0x80 != 0 {
		key = (b>>4)&7 == 1
		pt := b & 0x0f
		seq = pt == exSequenceStart || pt == exMPEG2TSSequenceStart
		if len(p) < 5 || pt == exMultitrack || pt == exModEx {
			return key, seq // FourCC elsewhere or absent: keep the state
		}
		fourcc := p[1:5]
		if seq || cur.VideoCodecID != 0 || cur.VideoFourCC != string(fourcc) {
			n := *cur
			n.VideoCodecID, n.VideoFourCC = 0, string(fourcc)
			if seq {
				n.VideoHeader = bytes.Clone(p)
			}
			s.codec.Store(&n)
		}
		return key, seq
	}
	key = b>>4 == 1
	codec := b & 0x0f
	seq = (codec == codecAVC || codec == codecHEVC) && len(p) > 1 && p[1] == 0
	if seq || cur.VideoCodecID != codec || cur.VideoFourCC != "" {
		n := *cur
		n.VideoCodecID, n.VideoFourCC = codec, ""
		if seq {
			n.VideoHeader = bytes.Clone(p)
		}
		s.codec.Store(&n)
	}
	return key, seq
}

// audio reads the SoundFormat and, for AAC, the AACPacketType.
func (s *Session) audio(p []byte) (seq bool) {
	format := p[0] >> 4
	seq = format == soundAAC && len(p) > 1 && p[1] == 0
	cur := s.codec.Load()
	if seq || cur.AudioCodecID != format {
		n := *cur
		n.AudioCodecID = format
		if seq {
			n.AudioHeader = bytes.Clone(p)
		}
		s.codec.Store(&n)
	}
	return seq
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
		n := *s.codec.Load()
		n.Metadata = bytes.Clone(body)
		s.codec.Store(&n)
	}
	f := &s.frame
	f.Type, f.Time, f.Payload, f.Keyframe, f.SeqHeader = TypeData, ps.clock.data(int64(m.Timestamp)), body, false, false
	for _, h := range ps.av {
		h.OnAV(f)
	}
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
