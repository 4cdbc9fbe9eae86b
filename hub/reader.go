package hub

import "github.com/rtmprecd/rtmprecd/media"

// DefaultQueue is a queued reader's queue length when ReaderOptions.Queue
// is 0: a few seconds of a typical stream's messages.
const DefaultQueue = 256

// Reader is a queued reader: Read runs on the reader's own goroutine, in
// stream order, with a copy of each frame that stays valid until Read
// returns. Frames the reader was too slow for are dropped (and counted),
// never waited for.
type Reader interface {
	Read(f *media.Frame)
}

// ReaderOptions say what a queued reader needs.
type ReaderOptions struct {
	// Queue is how many frames the reader may lag behind before frames
	// are dropped for it. Default: DefaultQueue.
	Queue int
	// GOP asks for the GOP cache: the reader first gets the frames since
	// the last video key frame (so it can start decoding at once), then
	// the live frames. The cache is kept only while such a reader is
	// attached; Queue should hold a GOP. The sequence headers are not in
	// the cache: they are in the stream's codec state (Stream.Codec).
	GOP bool
}

// Attachment is one queued reader attached to a stream.
type Attachment struct {
	s       *Stream
	q       *queue
	gop     bool
	stopped chan struct{}
}

// Attach starts r on its own goroutine with a bounded queue. Attaching
// to a stream that has ended gives an attachment already stopped.
func (s *Stream) Attach(r Reader, o ReaderOptions) *Attachment {
	if o.Queue <= 0 {
		o.Queue = DefaultQueue
	}
	a := &Attachment{s: s, q: newQueue(o.Queue), gop: o.GOP, stopped: make(chan struct{})}
	go a.run(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		a.q.close()
		return a
	}
	if o.GOP {
		if s.gop == nil {
			s.gop = &gopCache{}
		}
		s.gop.replay(a.q)
	}
	s.rd = append(s.rd, a)
	s.fan.Store(true)
	return a
}

func (a *Attachment) run(r Reader) {
	defer close(a.stopped)
	for sl := a.q.next(); sl != nil; sl = a.q.next() {
		r.Read(&sl.frame)
		a.q.done()
	}
}

// Dropped is how many frames were dropped because the reader's queue was
// full.
func (a *Attachment) Dropped() uint64 { return a.q.dropped.Load() }

// Stopped is closed once the reader's goroutine ended: after Detach or
// the stream's end, and the frames queued before were read.
func (a *Attachment) Stopped() <-chan struct{} { return a.stopped }

// Detach removes the reader; it reads what its queue holds, then stops.
// The GOP cache goes with the last reader that asked for it.
func (a *Attachment) Detach() {
	s := a.s
	s.mu.Lock()
	for i, x := range s.rd {
		if x == a {
			s.rd = append(s.rd[:i:i], s.rd[i+1:]...)
			break
		}
	}
	if a.gop && !s.wantsGOP() && s.holds == 0 {
		s.gop = nil
	}
	s.fan.Store(len(s.rd) > 0 || s.gop != nil)
	s.mu.Unlock()
	a.q.close()
}

// wantsGOP reports whether an attached reader asked for the GOP cache;
// the caller holds mu.
func (s *Stream) wantsGOP() bool {
	for _, a := range s.rd {
		if a.gop {
			return true
		}
	}
	return false
}

// fanOut gives f to the GOP cache, when there is one, and to every queued
// reader.
func (s *Stream) fanOut(f *media.Frame) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gop != nil {
		s.gop.add(f, s.Codec().HasVideo())
	}
	for _, a := range s.rd {
		a.q.push(f)
	}
}

// GOPCached returns what the GOP cache holds: frames and bytes; zero when
// the stream keeps no cache.
func (s *Stream) GOPCached() (frames int, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gop == nil {
		return 0, 0
	}
	return s.gop.n, s.gop.bytes
}

// HasGOPCache reports whether the stream keeps a GOP cache (a reader that
// needs one is attached).
func (s *Stream) HasGOPCache() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gop != nil
}
