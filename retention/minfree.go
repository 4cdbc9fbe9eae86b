package retention

import (
	"context"
	"slices"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
)

// filesystem is the recording roots on one filesystem and the
// policies there that set record_min_free.
type filesystem struct {
	disk  Disk
	roots []string
	pols  []*Policy // with a floor
	all   []*Policy
	floor uint64 // the highest floor of pols
}

// filesystems groups the policies' roots by filesystem, reading each
// (a root that does not exist yet is skipped: nothing is recorded there).
func (c *Cleaner) filesystems(pols []Policy) []*filesystem {
	var out []*filesystem
	byID := map[string]*filesystem{}
	for i := range pols {
		p := &pols[i]
		d, err := c.o.Statfs(rootOrDot(p.Root))
		if err != nil {
			continue
		}
		fs := byID[d.ID]
		if fs == nil {
			fs = &filesystem{disk: d}
			byID[d.ID] = fs
			out = append(out, fs)
		}
		if !slices.Contains(fs.roots, p.Root) {
			fs.roots = append(fs.roots, p.Root)
		}
		fs.all = append(fs.all, p)
		if p.MinFree.Set() {
			fs.pols = append(fs.pols, p)
			fs.floor = max(fs.floor, p.MinFree.Floor(d.Total))
		}
	}
	return out
}

func rootOrDot(root string) string {
	if root == "" {
		return "."
	}
	return root
}

// minFree reads every filesystem (the disk status) and, on those below
// their floor, removes the oldest recordings of the recorders that set
// one until the filesystem is back above it.
func (c *Cleaner) minFree(ctx context.Context, pols []Policy) []Removal {
	var out []Removal
	for _, fs := range c.filesystems(pols) {
		c.disks.observe(fs.disk, fs.roots, fs.floor, c.o.Now())
		if len(fs.pols) == 0 || fs.disk.Avail >= fs.floor {
			continue
		}
		out = append(out, c.raise(ctx, fs)...)
	}
	return out
}

// raise removes oldest first across fs's policies until the free space
// is back above the floor, one batch at a time, reading the filesystem
// again after each (the recorders go on writing meanwhile).
func (c *Cleaner) raise(ctx context.Context, fs *filesystem) []Removal {
	cursors := make([]index.Cursor, len(fs.pols))
	deficit := int64(fs.floor) - int64(fs.disk.Avail)
	var out []Removal
	for deficit > 0 && ctx.Err() == nil {
		heads, err := c.heads(ctx, fs.pols, cursors)
		if err != nil {
			c.log.Error("retention: candidates", "rule", RuleMinFree, "err", err)
			return out
		}
		if len(heads) == 0 {
			c.log.Warn("retention: free space below record_min_free and nothing more may be removed (pinned, kept events or in progress)",
				"roots", fs.roots, "free", fs.disk.Avail, "min_free", fs.floor, "short", deficit)
			return out
		}
		var batch []Removal
		for _, h := range heads {
			if deficit <= 0 || len(batch) >= c.o.Batch {
				break
			}
			cursors[h.pol] = index.CursorOf(&h.row)
			if _, gone := c.dry[h.row.ID]; gone {
				continue
			}
			if rm, ok := c.remove(fs.pols[h.pol], &h.row, RuleMinFree); ok {
				batch = append(batch, rm)
				deficit -= h.row.Size
			}
		}
		out = append(out, c.commit(ctx, batch)...)
		if !c.o.DryRun {
			if d, err := c.o.Statfs(rootOrDot(fs.pols[0].Root)); err == nil {
				fs.disk = d
				deficit = int64(fs.floor) - int64(d.Avail)
				c.disks.observe(d, fs.roots, fs.floor, c.o.Now())
			}
		}
		if deficit > 0 {
			c.pause(ctx)
		}
	}
	return out
}

type head struct {
	pol int
	row index.Recording
}

// heads are the next candidates of every policy past its cursor,
// merged oldest first.
func (c *Cleaner) heads(ctx context.Context, pols []*Policy, cursors []index.Cursor) ([]head, error) {
	var out []head
	full := make([]bool, len(pols))
	lastOf := make([]int64, len(pols))
	for i, p := range pols {
		q := c.query(p)
		q.After = cursors[i]
		rows, err := c.candidates(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out = append(out, head{pol: i, row: r})
		}
		if len(rows) > 0 {
			full[i], lastOf[i] = len(rows) == q.Limit, rows[len(rows)-1].ID
		}
	}
	slices.SortStableFunc(out, func(a, b head) int {
		if c := a.row.Start.Compare(b.row.Start); c != 0 {
			return c
		}
		return int(a.row.ID - b.row.ID)
	})
	// a policy whose batch was full may have older rows than another's
	// past its last one: the merge is only sure up to there
	for i, p := range out {
		if full[p.pol] && i+1 < len(out) && p.row.ID == lastOf[p.pol] {
			return out[:i+1], nil
		}
	}
	return out, nil
}

// refreshOldest sets each filesystem's oldest recording from the index.
func (c *Cleaner) refreshOldest(ctx context.Context, pols []Policy) {
	for _, fs := range c.filesystems(pols) {
		var oldest time.Time
		for _, p := range fs.all {
			u, err := c.o.Store.Usage(ctx, p.App, p.Recorder)
			if err == nil && !u.Oldest.IsZero() && (oldest.IsZero() || u.Oldest.Before(oldest)) {
				oldest = u.Oldest
			}
		}
		c.disks.setOldest(fs.disk.ID, oldest)
	}
}
