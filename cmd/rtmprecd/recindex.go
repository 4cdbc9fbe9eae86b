package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/postgres"
	"github.com/rtmprecd/rtmprecd/index/sqlite"
	"github.com/rtmprecd/rtmprecd/recapi"
	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/retention"
)

// newCleaner is the retention of the running configuration over the
// index: its rules and interval are read at every pass, so a reload
// applies at the next one.
func newCleaner(store retention.Store, j *index.Journal, config func() *conf.Config, log *slog.Logger) *retention.Cleaner {
	return retention.New(retention.Options{Store: store, Journal: j, Logger: log,
		Policies: func() []retention.Policy { return retention.Policies(config()) },
		Interval: func() time.Duration { return config().CleanupInterval }})
}

// progressPeriod is how often the rows of files being recorded get their
// current size and duration.
var progressPeriod = 5 * time.Second

// recIndex is the recordings index: the database opened at start
// (record_index), reconciled before any recording starts, written from the
// recorder's file events through one writer, and the API over it. The
// daemon runs it as a service (indexService).
type recIndex struct {
	path    string
	log     *slog.Logger
	rec     *record.Module
	store   retention.Store
	writer  *index.Writer
	journal *index.Journal // nil for a shared index: the database is the record
	api     *recapi.API
	cleaner *retention.Cleaner
	cancel  context.CancelFunc // stops the cleaner
	stop    chan struct{}
	wg      sync.WaitGroup
	gone    bool // the database file was found removed (logged once)
	// pending is the shared index not reached at start, set up by
	// connectLater once it is; nil otherwise.
	pending *postgres.Store
}

// openIndex opens, checks and reconciles the index of cfg; run then
// subscribes it to rec's file events. A damaged database stops the start
// with an error saying how to recover.
func openIndex(ctx context.Context, cfg *conf.Config, rec *record.Module, config func() *conf.Config, log *slog.Logger) (*recIndex, error) {
	x := &recIndex{path: cfg.RecordIndex, log: log, rec: rec, stop: make(chan struct{})}
	var err error
	if postgres.IsURL(cfg.RecordIndex) {
		err = x.openShared(ctx, cfg)
	} else {
		err = x.openSQLite(ctx, cfg)
	}
	if err != nil {
		return nil, err
	}
	wo := index.WriterOptions{Logger: log}
	if _, shared := x.store.(index.NodeStore); shared {
		wo.Queue = sharedSpool
		wo.Recovered = x.recovered
	}
	x.writer = index.NewWriter(x.store, wo)
	x.cleaner = newCleaner(x.store, x.journal, config, log)
	o := recapi.Options{Store: x.store, Writer: x.writer, Recorder: rec, Config: config, Logger: log, Retention: x.cleaner.Status}
	if x.journal != nil {
		o.Journal = x.journal // a nil *Journal in the interface would not read as none
	}
	x.api = recapi.New(o)
	return x, nil
}

// openSQLite opens and reconciles the SQLite index and its journal.
func (x *recIndex) openSQLite(ctx context.Context, cfg *conf.Config) error {
	store, journal, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	x.store = store
	if err := x.reconcile(ctx); err != nil {
		store.Close()
		return err
	}
	if x.journal, err = index.OpenJournal(journal); err != nil {
		store.Close()
		return err
	}
	return nil
}

// openShared opens, migrates and reconciles the PostgreSQL index. When
// the server cannot be reached the daemon starts all the same: the store
// answers unavailable (the writer spools, the API says 503) until run's
// background connection sets it up as this start would have.
func (x *recIndex) openShared(ctx context.Context, cfg *conf.Config) error {
	node, err := nodeName(cfg)
	if err != nil {
		return err
	}
	s, err := postgres.Dial(cfg.RecordIndex, postgres.Options{Node: node, URL: cfg.NodeURL})
	if err != nil {
		return err
	}
	x.store = s
	err = s.Setup(ctx, x.reconcile)
	if errors.Is(err, index.ErrUnavailable) {
		x.log.Warn("index: PostgreSQL unreachable at start; recording goes on, file events wait in the queue and the API answers 503 until it is reached",
			"index", s, "err", err)
		x.pending = s
		return nil
	}
	if err != nil {
		s.Close()
		return err
	}
	return nil
}

// reconcile completes the rows left open by the last run, before
// anything records.
func (x *recIndex) reconcile(ctx context.Context) error {
	n, err := index.Reconcile(ctx, x.store, x.log)
	if err != nil {
		return fmt.Errorf("record_index %s: reconciliation: %w", x.store, err)
	}
	if n != (index.Reconciled{}) {
		x.log.Info("index: reconciled recordings left open", "done", n.Done, "failed", n.Failed, "missing", n.Missing)
	}
	return nil
}

// sharedSpool is the writer's queue with a shared index: the file events
// it holds while PostgreSQL is unreachable (a few hundred bytes each:
// 16384 is about 8 MB, over two hours of progress of 10 streams).
const sharedSpool = 16384

// openStore opens cfg's record_index: a PostgreSQL database for a
// postgres:// URL, as node node_name, else the SQLite file with its
// journal's path. Both stores also answer retention's queries.
func openStore(ctx context.Context, cfg *conf.Config) (store retention.Store, journal string, err error) {
	if !postgres.IsURL(cfg.RecordIndex) {
		s, err := sqlite.Open(ctx, cfg.RecordIndex)
		if err != nil {
			return nil, "", err
		}
		return s, index.JournalPath(cfg.RecordIndex), nil
	}
	node, err := nodeName(cfg)
	if err != nil {
		return nil, "", err
	}
	s, err := postgres.Open(ctx, cfg.RecordIndex, postgres.Options{Node: node, URL: cfg.NodeURL})
	if err != nil {
		return nil, "", err
	}
	return s, "", nil
}

// nodeName is node_name, by default the host name.
func nodeName(cfg *conf.Config) (string, error) {
	if cfg.NodeName != "" {
		return cfg.NodeName, nil
	}
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "", fmt.Errorf("node_name: not set and no host name (%v): set it", err)
	}
	return h, nil
}

// recovered runs when the shared index is reachable again after the
// writer dropped changes: once the queue is written, the rows of this
// node left in status recording whose files are closed are completed
// from their files, as at start.
func (x *recIndex) recovered(dropped uint64) {
	if dropped == 0 {
		return
	}
	x.wg.Add(1)
	go func() {
		defer x.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		x.writer.Sync(ctx)
		open := map[string]bool{}
		for _, r := range x.rec.Recordings() {
			open[r.Path] = true
		}
		n, err := index.ReconcileIdle(ctx, x.store, x.log, func(p string) bool { return open[p] })
		x.log.Warn("index: reconciled the rows whose file events were dropped while the database was unreachable; files opened and closed meanwhile need `rtmprecd index rebuild`",
			"dropped", dropped, "done", n.Done, "failed", n.Failed, "missing", n.Missing, "err", err)
	}()
}

// run subscribes the index to the recorder's file events and starts
// writing the progress of the files being recorded.
func (x *recIndex) run() {
	x.rec.FileEvents(x.fileEvent)
	x.rec.Events(x.recordDone)
	x.wg.Add(2)
	go x.progress()
	if x.pending != nil {
		x.wg.Add(1)
		go x.connectLater(x.pending)
	}
	ctx, cancel := context.WithCancel(context.Background())
	x.cancel = cancel
	go func() {
		defer x.wg.Done()
		x.cleaner.Run(ctx)
	}()
	x.log.Info("index: open", "index", x.store, "node", index.NodeOf(x.store))
}

// fileEvent turns an opened or discarded file into a change.
func (x *recIndex) fileEvent(ev record.FileEvent) {
	r := index.Recording{StreamPath: index.StreamPathOf(ev.App, ev.Name), App: ev.App, Name: ev.Name,
		Recorder: ev.Recorder, Format: ev.Format, Path: ev.Path, Start: ev.Time, Updated: ev.Time}
	c := index.Change{Kind: index.Opened, Row: r}
	switch ev.Kind {
	case record.FileDiscarded:
		c.Kind = index.Discarded
	case record.FileEventMarked:
		e := ev.Event
		c.Kind = index.EventMarked
		c.Event = &index.Event{EventID: e.ID, Name: e.Name, Desc: e.Desc, Level: e.Level, Trigger: e.Trigger,
			Offset: e.Offset, Before: e.Before, After: e.After}
		x.journalEvent(ev.Path, c.Event)
	}
	x.writer.Submit(c)
	x.cleaner.Kick()
}

// journalEvent keeps the event in the journal, so a rebuild restores it;
// the fsync runs off the publisher's goroutine.
func (x *recIndex) journalEvent(path string, e *index.Event) {
	x.wg.Add(1)
	go func() {
		defer x.wg.Done()
		if x.journal == nil {
			return
		}
		if err := x.journal.Append(index.JournalEntry{Time: e.Trigger, Op: index.OpEvent, Path: path, Event: e}); err != nil {
			x.log.Warn("index: event not journaled", "path", path, "err", err)
		}
	}()
}

// recordDone turns a closed file into a change with the event's figures;
// the codec fields come from the file's onMetaData, read by the writer's
// goroutine, never the publisher's.
func (x *recIndex) recordDone(ev record.Event) {
	r := index.Recording{StreamPath: index.StreamPathOf(ev.App, ev.Name), App: ev.App, Name: ev.Name,
		Recorder: ev.Recorder, Format: formatOf(ev), Path: ev.Path, Status: index.StatusDone,
		Start: ev.Start, End: ev.End, Duration: ev.Duration, Size: ev.Size,
		VideoFrames: ev.VideoFrames, AudioFrames: ev.AudioFrames, Reason: string(ev.Reason), Updated: ev.End}
	if ev.Err != nil {
		r.Status, r.Error = index.StatusFailed, ev.Err.Error()
	}
	x.writer.Submit(index.Change{Kind: index.Closed, Row: r, Probe: true})
	x.cleaner.Kick() // record_min_free acts at once, off this goroutine
}

// formatOf is the container of a closed recording: its recorder's
// record_format, FLV when unknown.
func formatOf(ev record.Event) string {
	if ev.Config != nil && ev.Config.Format != "" {
		return ev.Config.Format
	}
	return "flv"
}

// progress writes the size and duration of the files being recorded
// every progressPeriod, and notices a database file removed under it.
func (x *recIndex) progress() {
	defer x.wg.Done()
	t := time.NewTicker(progressPeriod)
	defer t.Stop()
	for {
		select {
		case <-x.stop:
			return
		case now := <-t.C:
			x.checkFile()
			for _, r := range x.rec.Recordings() {
				x.writer.Submit(index.Change{Kind: index.Progress, Row: index.Recording{Path: r.Path, Size: r.Size,
					Duration: r.Duration, Updated: now}})
			}
			x.cleaner.Kick()
		}
	}
}

// checkFile logs once when the database file disappears: SQLite goes on
// writing to the removed file, so rows are lost until a rebuild, while
// recording goes on untouched.
func (x *recIndex) checkFile() {
	if postgres.IsURL(x.path) {
		return
	}
	if _, err := os.Stat(x.path); err != nil && !x.gone {
		x.gone = true
		x.log.Error("index: the database file is gone; recording goes on, rows written now are lost: restart, then run `rtmprecd index rebuild -c CONF`",
			"path", x.path, "err", err)
	}
}

// handler is the API of a record_api location.
func (x *recIndex) handler(loc *conf.Location) http.Handler {
	return x.api.Handler(loc.Path, loc.ControlToken, recapi.ExportLimits{Max: loc.ExportMax, Concurrency: loc.ExportLimit})
}

// close writes what is queued and closes the database, after the last
// recording closed.
func (x *recIndex) close(ctx context.Context) {
	close(x.stop)
	if x.cancel != nil {
		x.cancel()
	}
	x.wg.Wait()
	if err := x.writer.Close(ctx); err != nil {
		x.log.Warn("index: queued rows not written at exit", "err", err)
	}
	st := x.writer.Stats()
	x.log.Info("index: closed", "written", st.Applied, "dropped", st.Dropped, "failed", st.Failed)
	if x.journal != nil {
		x.journal.Close()
	}
	x.store.Close()
}

// Backoff of connectLater's tries: the first waits connectFirst, then
// doubling up to connectMax.
var (
	connectFirst = 100 * time.Millisecond
	connectMax   = 4 * time.Second
)

// connectLater tries to set up the shared index that was unreachable at
// start, backing off, until it succeeds or the index closes: then the
// schema is migrated, the rows of this node left open by the last run
// and not being recorded now are reconciled, and the writer's next try
// drains its queue. A server that answers but cannot be used (a newer
// schema) is logged and the index stays unavailable.
func (x *recIndex) connectLater(s *postgres.Store) {
	defer x.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-x.stop
		cancel()
	}()
	for wait := connectFirst; ; wait = min(2*wait, connectMax) {
		t := time.NewTimer(wait)
		select {
		case <-x.stop:
			t.Stop()
			return
		case <-t.C:
		}
		err := s.Setup(ctx, x.reconcileIdle)
		if err == nil {
			x.log.Warn("index: PostgreSQL reached: schema migrated and rows reconciled; writing the queued file events", "index", s)
			return
		}
		if !errors.Is(err, index.ErrUnavailable) {
			if ctx.Err() == nil {
				x.log.Error("index: PostgreSQL answers but the index cannot be used; the API answers 503 until a restart", "index", s, "err", err)
			}
			return
		}
	}
}

// reconcileIdle is the reconciliation of a start, late: the files being
// recorded now are left to the writer's queued changes.
func (x *recIndex) reconcileIdle(ctx context.Context) error {
	open := map[string]bool{}
	for _, r := range x.rec.Recordings() {
		open[r.Path] = true
	}
	n, err := index.ReconcileIdle(ctx, x.store, x.log, func(p string) bool { return open[p] })
	if err != nil {
		return fmt.Errorf("record_index %s: reconciliation: %w", x.store, err)
	}
	if n != (index.Reconciled{}) {
		x.log.Info("index: reconciled recordings left open", "done", n.Done, "failed", n.Failed, "missing", n.Missing)
	}
	return nil
}
