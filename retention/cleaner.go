package retention

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
)

// Store is the index as retention uses it. On an index shared by
// several nodes (index.NodeStore), the candidates are the node's own
// rows: a node removes only files on its own disks.
type Store interface {
	index.Store
	index.Retainer
}

// Defaults of a Cleaner.
const (
	DefaultBatch     = 64                     // rows per query and per retire transaction
	DefaultPace      = 5 * time.Millisecond   // pause between batches, so recording's writes get the database
	DefaultFreeCheck = 2 * time.Second        // period of the cheap free-space check
	DefaultInterval  = time.Hour              // record_cleanup_interval's default
	kickDebounce     = 200 * time.Millisecond // file events closer than this share one free-space check
)

// Options configures a Cleaner.
type Options struct {
	Store   Store
	Journal *index.Journal // removals are journaled so a rebuild does not bring them back; nil: not journaled
	// Policies returns the rules in effect; it is read at every pass, so
	// a reload applies at the next one.
	Policies func() []Policy
	// Interval returns record_cleanup_interval. Default: DefaultInterval.
	Interval  func() time.Duration
	Now       func() time.Time                // Default: time.Now.
	Statfs    func(path string) (Disk, error) // Default: statfs(2).
	Logger    *slog.Logger
	Batch     int
	Pace      time.Duration
	FreeCheck time.Duration
	// DryRun removes nothing and changes no row: Report is told what a
	// pass would remove.
	DryRun bool
	// Report, when set, is told each removal (in a dry run, each that
	// would be made) after its batch committed: rtmprecd cleanup's lines.
	Report func(Removal)
}

// Removal is one recording removed (or, in a dry run, that would be).
type Removal struct {
	Row     index.Recording
	Rule    string
	Age     time.Duration // since the recording ended
	Missing bool          // the file was already gone: the row became missing
}

// Cleaner runs the retention passes of one daemon. Its methods are safe
// for concurrent use; passes never overlap.
type Cleaner struct {
	o    Options
	log  *slog.Logger
	mu   sync.Mutex // one pass or free-space check at a time
	kick chan struct{}

	stats statsBox
	disks diskWatch
	// dry holds, during a dry run's pass, the rows it would have removed:
	// the rows stay in the index, so later rules skip them and quotas
	// count them as gone, as in a real pass.
	dry map[int64]index.Recording
}

// New returns a cleaner; Run starts its goroutine.
func New(o Options) *Cleaner {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Statfs == nil {
		o.Statfs = Statfs
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Pace == 0 {
		o.Pace = DefaultPace
	}
	if o.FreeCheck <= 0 {
		o.FreeCheck = DefaultFreeCheck
	}
	if o.Interval == nil {
		o.Interval = func() time.Duration { return DefaultInterval }
	}
	return &Cleaner{o: o, log: o.Logger, kick: make(chan struct{}, 1)}
}

// Kick asks for a free-space check now (a file grew or closed). It never
// blocks: the recorder's side only drops a token into a channel.
func (c *Cleaner) Kick() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// Run is the cleaner's goroutine: a pass at start and every interval, a
// free-space check every FreeCheck and at each Kick. It returns when ctx
// ends.
func (c *Cleaner) Run(ctx context.Context) {
	c.Pass(ctx)
	free := time.NewTicker(c.o.FreeCheck)
	defer free.Stop()
	interval := c.o.Interval()
	pass := time.NewTimer(interval)
	defer pass.Stop()
	var lastKick time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-pass.C:
			c.Pass(ctx)
			interval = c.o.Interval()
			pass.Reset(interval)
		case <-free.C:
			c.CheckFree(ctx)
		case <-c.kick:
			if now := time.Now(); now.Sub(lastKick) >= kickDebounce {
				lastKick = now
				c.CheckFree(ctx)
			}
		}
	}
}

// Pass applies every rule of every policy once and returns what it removed.
func (c *Cleaner) Pass(ctx context.Context) []Removal {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := time.Now()
	pols := c.o.Policies()
	c.dry = map[int64]index.Recording{}
	var out []Removal
	for i := range pols {
		p := &pols[i]
		if !p.Enabled() {
			continue
		}
		out = append(out, c.ageRule(ctx, p)...)
		out = append(out, c.streamRules(ctx, p)...)
		out = append(out, c.totalRule(ctx, p)...)
	}
	out = append(out, c.minFree(ctx, pols)...)
	c.refreshOldest(ctx, pols)
	c.stats.passDone(c.o.Now(), time.Since(start), len(out))
	return out
}

// CheckFree applies record_min_free only: the cheap check that runs
// whenever a file grows or closes.
func (c *Cleaner) CheckFree(ctx context.Context) []Removal {
	c.mu.Lock()
	defer c.mu.Unlock()
	pols := c.o.Policies()
	c.dry = map[int64]index.Recording{}
	out := c.minFree(ctx, pols)
	if len(out) > 0 {
		c.refreshOldest(ctx, pols)
	}
	return out
}

// protection is the part of a query that the policy's event settings set.
func (c *Cleaner) query(p *Policy) index.RemovableQuery {
	q := index.RemovableQuery{App: p.App, Recorder: p.Recorder, Limit: c.o.Batch, KeepLevel: p.KeepLevel}
	if p.EventMaxAge > 0 {
		q.EventCutoff = c.o.Now().Add(-p.EventMaxAge)
	}
	return q
}

func (c *Cleaner) ageRule(ctx context.Context, p *Policy) []Removal {
	if p.MaxAge <= 0 {
		return nil
	}
	q := c.query(p)
	q.EndedBefore = c.o.Now().Add(-p.MaxAge)
	return c.drain(ctx, p, RuleMaxAge, q, func(*index.Recording) bool { return true })
}

// totalRule removes the recorder's oldest until its total fits.
func (c *Cleaner) totalRule(ctx context.Context, p *Policy) []Removal {
	if p.MaxTotal <= 0 {
		return nil
	}
	u, err := c.usage(ctx, p)
	if err != nil {
		c.log.Error("retention: usage", "recorder", p.Name(), "err", err)
		return nil
	}
	return c.drainExcess(ctx, p, RuleMaxTotal, c.query(p), u.Bytes-p.MaxTotal, 0)
}

// streamRules apply the per-stream file count and size quota.
func (c *Cleaner) streamRules(ctx context.Context, p *Policy) []Removal {
	if p.StreamMaxFiles <= 0 && p.StreamQuota <= 0 {
		return nil
	}
	u, err := c.usage(ctx, p)
	if err != nil {
		c.log.Error("retention: usage", "recorder", p.Name(), "err", err)
		return nil
	}
	var out []Removal
	for _, s := range u.Streams {
		q := c.query(p)
		q.StreamPath = s.StreamPath
		if p.StreamMaxFiles > 0 && int64(s.Files) > p.StreamMaxFiles {
			rs := c.drainExcess(ctx, p, RuleStreamMaxFiles, q, 0, int64(s.Files)-p.StreamMaxFiles)
			for _, r := range rs {
				s.Bytes -= r.Row.Size
			}
			out = append(out, rs...)
		}
		if p.StreamQuota > 0 && s.Bytes > p.StreamQuota {
			out = append(out, c.drainExcess(ctx, p, RuleStreamQuota, q, s.Bytes-p.StreamQuota, 0)...)
		}
	}
	return out
}

// usage is the recorder's usage less what this dry run's pass already
// would have removed.
func (c *Cleaner) usage(ctx context.Context, p *Policy) (index.Usage, error) {
	u, err := c.o.Store.Usage(ctx, p.App, p.Recorder)
	if err != nil || len(c.dry) == 0 {
		return u, err
	}
	for _, r := range c.dry {
		if r.App != p.App || r.Recorder != p.Recorder {
			continue
		}
		u.Bytes -= r.Size
		u.Files--
		for i := range u.Streams {
			if u.Streams[i].StreamPath == r.StreamPath {
				u.Streams[i].Bytes -= r.Size
				u.Streams[i].Files--
			}
		}
	}
	return u, nil
}

// drainExcess removes oldest first until bytes and files (either may be
// 0) are covered; it warns when protected rows leave it short.
func (c *Cleaner) drainExcess(ctx context.Context, p *Policy, rule string, q index.RemovableQuery, bytes, files int64) []Removal {
	if bytes <= 0 && files <= 0 {
		return nil
	}
	out := c.drain(ctx, p, rule, q, func(r *index.Recording) bool {
		if bytes <= 0 && files <= 0 {
			return false
		}
		bytes -= r.Size
		files--
		return true
	})
	if bytes > 0 || files > 0 {
		c.log.Warn("retention: over the limit and nothing more may be removed (pinned, kept events or in progress)",
			"recorder", p.Name(), "rule", rule, "stream", q.StreamPath, "over_bytes", max(bytes, 0), "over_files", max(files, 0))
	}
	return out
}

// drain walks q's candidates in batches, removing each that take
// accepts until it refuses one; every batch is one short query and one
// short transaction, then a pause.
func (c *Cleaner) drain(ctx context.Context, p *Policy, rule string, q index.RemovableQuery, take func(*index.Recording) bool) []Removal {
	var out []Removal
	for ctx.Err() == nil {
		rows, err := c.candidates(ctx, q)
		if err != nil {
			c.log.Error("retention: candidates", "recorder", p.Name(), "rule", rule, "err", err)
			return out
		}
		var batch []Removal
		stop := false
		for i := range rows {
			if _, gone := c.dry[rows[i].ID]; gone {
				continue
			}
			if !take(&rows[i]) {
				stop = true
				break
			}
			if rm, ok := c.remove(p, &rows[i], rule); ok {
				batch = append(batch, rm)
			}
		}
		out = append(out, c.commit(ctx, batch)...)
		if stop || len(rows) < q.Limit {
			return out
		}
		q.After = index.CursorOf(&rows[len(rows)-1])
		c.pause(ctx)
	}
	return out
}

func (c *Cleaner) candidates(ctx context.Context, q index.RemovableQuery) ([]index.Recording, error) {
	t := time.Now()
	rows, err := c.o.Store.Removable(ctx, q)
	c.stats.held(time.Since(t), false)
	return rows, err
}

func (c *Cleaner) pause(ctx context.Context) {
	if c.o.Pace <= 0 {
		return
	}
	t := time.NewTimer(c.o.Pace)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
