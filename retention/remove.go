package retention

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/record/recfile"
)

// remove removes r's file (an HLS recording: its directory) unless a
// live writer holds it or it lies outside the policy's root; a file
// already gone makes the row missing. ok is false when nothing changed.
func (c *Cleaner) remove(p *Policy, r *index.Recording, rule string) (Removal, bool) {
	rm := Removal{Row: *r, Rule: rule, Age: c.o.Now().Sub(r.End)}
	if node := index.NodeOf(c.o.Store); r.Node != node {
		c.log.Warn("retention: another node's row left alone", "path", r.Path, "node", r.Node, "this_node", node)
		return rm, false
	}
	if !inside(p.Root, r.Path) {
		c.log.Warn("retention: row outside its recorder's root left alone", "path", r.Path, "root", p.Root, "recorder", p.Name())
		return rm, false
	}
	st, err := os.Lstat(r.Path)
	if errors.Is(err, fs.ErrNotExist) {
		rm.Missing = true
		return rm, true
	}
	if err != nil {
		c.log.Error("retention: stat", "path", r.Path, "err", err)
		return rm, false
	}
	dir := st.IsDir()
	if dir && !recfile.IsDirRecording(r.Path) {
		c.log.Warn("retention: directory without the recorder's lock file left alone", "path", r.Path)
		return rm, false
	}
	if busy(r.Path, dir) {
		c.log.Info("retention: recording held by a live writer left alone", "path", r.Path, "rule", rule)
		return rm, false
	}
	if c.o.DryRun {
		return rm, true
	}
	if dir {
		err = os.RemoveAll(r.Path)
	} else {
		err = os.Remove(r.Path)
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.log.Error("retention: remove", "path", r.Path, "rule", rule, "err", err)
		return rm, false
	}
	return rm, true
}

// busy reports whether a live writer holds the recording; an error
// reading the locks counts as busy, so doubt never removes a file.
func busy(path string, dir bool) bool {
	if dir {
		path = filepath.Join(path, recfile.DirLock)
	}
	b, err := recfile.Busy(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false
	}
	return b || err != nil
}

// inside reports whether path lies below root ("" or "." roots are the
// working directory, so every relative path).
func inside(root, path string) bool {
	if root == "" {
		return !filepath.IsAbs(path)
	}
	rel, err := filepath.Rel(filepath.Clean(root), filepath.Clean(path))
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}

// commit marks the batch's rows in one transaction, journals them, then
// logs and counts each removal. A dry run reports instead.
func (c *Cleaner) commit(ctx context.Context, batch []Removal) []Removal {
	if len(batch) == 0 {
		return nil
	}
	if c.o.DryRun {
		for _, rm := range batch {
			c.dry[rm.Row.ID] = rm.Row
			if c.o.Report != nil {
				c.o.Report(rm)
			}
		}
		return batch
	}
	now := c.o.Now()
	rs := make([]index.Retired, len(batch))
	entries := make([]index.JournalEntry, len(batch))
	for i, rm := range batch {
		st := index.StatusDeleted
		if rm.Missing {
			st = index.StatusMissing
		}
		rs[i] = index.Retired{ID: rm.Row.ID, Status: st, Rule: rm.Rule, Time: now}
		row := rm.Row
		row.Status, row.RemovedBy, row.Updated = st, rm.Rule, now
		entries[i] = index.JournalEntry{Time: now, Op: index.OpDelete, Path: row.Path, Row: &row}
	}
	t := time.Now()
	err := c.o.Store.Retire(ctx, rs)
	c.stats.held(time.Since(t), true)
	if err != nil {
		// the files are gone: the next start's reconciliation or the
		// next pass (which finds them missing) fixes the rows
		c.log.Error("retention: marking removed rows", "rows", len(rs), "err", err)
	}
	if c.o.Journal != nil {
		if err := c.o.Journal.AppendAll(entries); err != nil {
			c.log.Error("retention: journal", "err", err)
		}
	}
	for _, rm := range batch {
		c.logRemoval(rm)
		c.stats.removed(rm)
		if c.o.Report != nil {
			c.o.Report(rm)
		}
	}
	return batch
}

func (c *Cleaner) logRemoval(rm Removal) {
	if rm.Missing {
		c.log.Warn("retention: recording already gone, row marked missing", "path", rm.Row.Path, "rule", rm.Rule)
		return
	}
	c.log.Info("retention: removed", "path", rm.Row.Path, "size", rm.Row.Size,
		"age", rm.Age.Round(time.Second), "rule", rm.Rule, "recorder", PolicyName(rm.Row))
}

// PolicyName names the recorder of r as the log lines do: app or app/recorder.
func PolicyName(r index.Recording) string {
	if r.Recorder == "" {
		return r.App
	}
	return r.App + "/" + r.Recorder
}
