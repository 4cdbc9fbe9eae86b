package record

import "time"

// Observer is told about the record module's file operations, for
// metrics. Its methods run on the goroutine doing the operation (a
// session's, on the media path, the flush ticker's, or a control caller's),
// with the publisher's recorders locked: they must only add to counters,
// without blocking or allocating.
type Observer interface {
	// FileOpened reports a file opened for application app; the file's
	// Event (Module.Events), or FileRemoved, follows when it closes.
	FileOpened(app string)
	// FileRemoved reports a file of app closed without any media frame
	// and removed: no Event follows. failed says a write or close error
	// ended it.
	FileRemoved(app string, failed bool)
	// OpenFailed reports a file that could not be created or opened.
	OpenFailed(app string, err error)
	// Wrote reports one write(v) of n bytes to a recorded file that took d.
	Wrote(n int, d time.Duration)
	// Flushed reports one write-out of a file's buffered tags (at a key
	// frame, a full buffer, FlushPeriod or close): the write, and the
	// fdatasync with record_fsync on.
	Flushed(d time.Duration)
	// Synced reports one fdatasync(2): record_fsync on, after each
	// write-out and at close.
	Synced(d time.Duration)
}

// observedSink times a file's writes and syncs for the Observer.
type observedSink struct {
	sink
	o Observer
}

func (s observedSink) Writev(bufs [][]byte) (int64, error) {
	start := time.Now()
	n, err := s.sink.Writev(bufs)
	s.o.Wrote(int(n), time.Since(start))
	return n, err
}

// FlushedSince makes observedSink a format.FlushObserver: muxers time each
// write-out of their buffer with it.
func (s observedSink) FlushedSince(start time.Time) { s.o.Flushed(time.Since(start)) }

func (s observedSink) Datasync() error {
	start := time.Now()
	err := s.sink.Datasync()
	s.o.Synced(time.Since(start))
	return err
}

// sinkWrap is what openFile wraps each opened file with: the tests' wrap,
// then the Observer's timing.
func (m *Module) sinkWrap() func(sink) sink {
	if m.Observer == nil {
		return m.wrap
	}
	return func(s sink) sink {
		if m.wrap != nil {
			s = m.wrap(s)
		}
		return observedSink{s, m.Observer}
	}
}

// observeRemoved reports a file removed for want of media.
func (m *Module) observeRemoved(app string, failed bool) {
	if m.Observer != nil {
		m.Observer.FileRemoved(app, failed)
	}
}

// observeOpen reports an open's outcome to the Observer.
func (m *Module) observeOpen(app string, err error) {
	switch {
	case m.Observer == nil:
	case err != nil:
		m.Observer.OpenFailed(app, err)
	default:
		m.Observer.FileOpened(app)
	}
}
