package hub

import (
	"sync"

	"github.com/rtmprecd/rtmprecd/media"
)

// HoldGOP keeps the GOP cache while no queued reader asks for it: a
// recorder that may have to start a file in the middle of a GOP (a
// record_schedule window opening while the stream is live) reads it
// with EachGOP, so the file starts at the key frame before that moment
// rather than one GOP late. The returned function ends the hold; the
// cache goes with the last hold and GOP reader.
func (s *Stream) HoldGOP() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return func() {}
	}
	s.holds++
	if s.gop == nil {
		s.gop = &gopCache{}
	}
	s.fan.Store(true)
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.holds--
			if s.holds == 0 && !s.wantsGOP() {
				s.gop = nil
			}
			s.fan.Store(len(s.rd) > 0 || s.gop != nil)
		})
	}
}

// EachGOP calls fn with each cached frame, oldest first: a video key
// frame, then what followed it up to the frame being written now (a
// recorder's OnAV runs before the cache takes its frame). Nothing when
// the stream keeps no cache or its GOP outgrew the bounds. fn runs with
// the stream's lock held: it must not call back into s, and f is valid
// only during the call.
func (s *Stream) EachGOP(fn func(f *media.Frame)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gop == nil || s.gop.over {
		return
	}
	for i := range s.gop.n {
		fn(&s.gop.slots[i].frame)
	}
}
