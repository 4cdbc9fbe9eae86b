package index

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of a Writer.
const (
	DefaultQueue = 4096 // changes waiting for the database
	DefaultBatch = 256  // changes per transaction at most
)

// WriterOptions configures a Writer.
type WriterOptions struct {
	Queue  int // capacity of the queue. Default: DefaultQueue.
	Batch  int // most changes in one transaction. Default: DefaultBatch.
	Logger *slog.Logger
	// Retry is the longest wait between two tries of a batch that failed
	// with ErrUnavailable (the first waits 100ms, then doubling). While it
	// is retried the queue is the spool: changes keep queuing up to its
	// capacity. Default: 2s.
	Retry time.Duration
	// Recovered, if set, runs on the writer's goroutine after the database
	// came back and the retried batch was written, with the number of
	// changes dropped meanwhile (the queue overflowed): rows those
	// changes would have closed are left to repair.
	Recovered func(dropped uint64)
}

// WriterStats are the writer's counters since it started.
type WriterStats struct {
	Applied uint64 // changes committed
	Dropped uint64 // changes refused because the queue was full
	Failed  uint64 // changes lost in a transaction that failed
	Retried uint64 // tries of a batch again after the database was unreachable
}

// Writer is the one goroutine that writes file events to a Store. Submit
// never blocks: the recorder's goroutines hand it changes, and when the
// database is slow or broken the queue fills and further changes are
// dropped, counted and logged; reconciliation repairs those rows later.
// Changes are applied in batches, one transaction each, in the order
// they were submitted.
type Writer struct {
	store Store
	log   *slog.Logger
	batch int
	retry time.Duration
	onUp  func(dropped uint64)
	queue chan item
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once

	applied, dropped, failed, retried atomic.Uint64
	dropping                          atomic.Bool // a burst of drops is under way (logged once)
	down                              atomic.Bool // the database is unreachable: the batch is being retried
}

// item is a change, or a barrier that Sync waits on.
type item struct {
	c       Change
	barrier chan struct{}
}

// NewWriter starts a writer over s. Close stops it.
func NewWriter(s Store, o WriterOptions) *Writer {
	if o.Queue <= 0 {
		o.Queue = DefaultQueue
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Retry <= 0 {
		o.Retry = 2 * time.Second
	}
	w := &Writer{store: s, log: o.Logger, batch: o.Batch, retry: o.Retry, onUp: o.Recovered,
		queue: make(chan item, o.Queue), stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

// Submit queues c without ever blocking, and reports whether it was
// queued. A refused change is counted in Stats().Dropped.
func (w *Writer) Submit(c Change) bool {
	select {
	case w.queue <- item{c: c}:
		return true
	default:
	}
	w.dropped.Add(1)
	if !w.dropping.Swap(true) {
		w.log.Error("index: queue full, dropping file events until it drains; reconciliation at next start repairs the rows",
			"queue", cap(w.queue))
	}
	return false
}

// Sync waits until every change submitted before it is applied (or
// failed), or ctx ends. It is for callers that answer with the row just
// written (the API), never for the media path.
func (w *Writer) Sync(ctx context.Context) error {
	b := make(chan struct{})
	select {
	case w.queue <- item{barrier: b}:
	case <-ctx.Done():
		return ctx.Err()
	case <-w.done:
		return nil
	}
	select {
	case <-b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-w.done:
		return nil
	}
}

// Stats returns the counters.
func (w *Writer) Stats() WriterStats {
	return WriterStats{Applied: w.applied.Load(), Dropped: w.dropped.Load(), Failed: w.failed.Load(), Retried: w.retried.Load()}
}

// Down reports whether the database was unreachable at the last try and
// changes are waiting for it.
func (w *Writer) Down() bool { return w.down.Load() }

// Close applies what is queued and stops the writer, or gives up when
// ctx ends first. It does not close the store.
func (w *Writer) Close(ctx context.Context) error {
	w.once.Do(func() { close(w.stop) })
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *Writer) run() {
	defer close(w.done)
	buf := make([]Change, 0, w.batch)
	var barriers []chan struct{}
	for {
		var it item
		select {
		case it = <-w.queue:
		case <-w.stop:
			w.drain(buf)
			return
		}
		buf, barriers = w.collect(it, buf[:0], barriers[:0])
		w.apply(buf)
		for _, b := range barriers {
			close(b)
		}
	}
}

// collect takes first and whatever else is queued, up to a batch.
func (w *Writer) collect(first item, buf []Change, barriers []chan struct{}) ([]Change, []chan struct{}) {
	it := first
	for {
		if it.barrier != nil {
			barriers = append(barriers, it.barrier)
		} else {
			buf = append(buf, it.c)
		}
		if len(buf) >= w.batch {
			return buf, barriers
		}
		select {
		case it = <-w.queue:
		default:
			return buf, barriers
		}
	}
}

// drain applies every queued change at stop.
func (w *Writer) drain(buf []Change) {
	for {
		buf = buf[:0]
		var barriers []chan struct{}
		select {
		case it := <-w.queue:
			buf, barriers = w.collect(it, buf, barriers)
		default:
			return
		}
		w.apply(buf)
		for _, b := range barriers {
			close(b)
		}
	}
}

func (w *Writer) apply(batch []Change) {
	if len(batch) == 0 {
		return
	}
	for i := range batch {
		if batch[i].Probe {
			probeInto(&batch[i].Row)
			batch[i].Probe = false // a retry does not read the file again
		}
	}
	err := w.store.Apply(context.Background(), batch)
	if errors.Is(err, ErrUnavailable) {
		err = w.retryUntilUp(batch, err)
	}
	if err != nil {
		w.failed.Add(uint64(len(batch)))
		w.log.Error("index: write failed; recording goes on and reconciliation at next start repairs the rows",
			"changes", len(batch), "err", err)
		return
	}
	w.applied.Add(uint64(len(batch)))
	if w.dropping.Load() && len(w.queue) == 0 && w.dropping.Swap(false) {
		w.log.Warn("index: queue drained", "dropped_total", w.dropped.Load())
	}
}

// retryUntilUp tries batch again, backing off, while the database is
// unreachable; changes queue behind it meanwhile (the spool). It gives
// up, returning the error, only when the writer is stopping.
func (w *Writer) retryUntilUp(batch []Change, err error) error {
	w.down.Store(true)
	droppedBefore := w.dropped.Load()
	w.log.Error("index: database unreachable; recording goes on, file events wait in the queue until it returns",
		"spool", cap(w.queue), "err", err)
	wait := 100 * time.Millisecond
	for errors.Is(err, ErrUnavailable) {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-w.stop:
			t.Stop()
			return err // exiting: the rows left open are reconciled at next start
		}
		wait = min(2*wait, w.retry)
		w.retried.Add(1)
		err = w.store.Apply(context.Background(), batch)
	}
	if err != nil {
		return err
	}
	w.down.Store(false)
	dropped := w.dropped.Load() - droppedBefore
	w.log.Warn("index: database reachable again; writing the queued file events", "queued", len(w.queue), "dropped", dropped)
	if w.onUp != nil {
		w.onUp(dropped)
	}
	return nil
}

// probeInto sets r's figures from its file, so a row says what the file
// holds (as rebuild would read it) rather than the recorder's running
// counts; a file that does not read keeps the recorder's figures.
func probeInto(r *Recording) {
	f, err := Probe(r.Format, r.Path)
	if err != nil {
		return
	}
	f.Fill(r)
}
