package hls

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/rtmprecd/rtmprecd/record/format"
)

// Result is what RepairDir did to one recording directory.
type Result struct {
	Dir string
	// Skipped says why the directory was left as it is: "" when it was
	// examined; "not ours" without our lock file, "live" while another
	// writer holds its lock.
	Skipped string
	// Closed: the playlist had no #EXT-X-ENDLIST and got one.
	Closed bool
	// Removed are the files the playlist did not list (the segment being
	// written at the crash, an init segment it never listed, a temporary
	// playlist): segments are listed only once whole, so an unlisted one
	// may be torn.
	Removed []string
	// Segments listed in the playlist; MS their total duration.
	Segments int
	MS       int64
}

// RepairDir closes an HLS recording of ours left unfinished by a crash:
// the playlist gets #EXT-X-ENDLIST (rewritten atomically, as while
// recording) and every segment or init file it does not list is removed.
// A directory without our lock file is not ours; one whose lock another
// process holds is live: both are skipped. The lock is held during the
// repair, so a recorder appending to the directory waits for the next
// name instead of racing it. A finished recording is left as it is
// (apart from unlisted files). Each repair is logged on log (nil: none).
func RepairDir(dir string, log *slog.Logger) (Result, error) {
	res := Result{Dir: dir}
	d, err := format.OpenOSDir(dir)
	if err != nil {
		return res, err
	}
	defer d.Close()
	lock, why, err := lockForRepair(dir)
	if why != "" || err != nil {
		res.Skipped = why
		return res, err
	}
	defer lock.Close()
	p, _, err := readPlaylist(d)
	if err != nil {
		return res, fmt.Errorf("repair %s: %w", dir, err)
	}
	if p != nil {
		res.Segments = len(p.Segments)
		for _, s := range p.Segments {
			res.MS += s.MS
		}
		if !p.Ended && len(p.Segments) > 0 {
			pl := playlist{dir: d, body: p.Body, fsync: true}
			if err := pl.end(); err != nil {
				return res, fmt.Errorf("repair %s: %w", dir, err)
			}
			res.Closed = true
		}
	}
	if res.Removed, err = removeUnlisted(d, dir, p); err != nil {
		return res, fmt.Errorf("repair %s: %w", dir, err)
	}
	if log != nil && (res.Closed || len(res.Removed) > 0) {
		log.Warn("repair: closed an unfinished HLS recording", "path", dir, "segments", res.Segments,
			"seconds", float64(res.MS)/1000, "ended", res.Closed, "removed", strings.Join(res.Removed, ","))
	}
	return res, nil
}

// lockForRepair takes the lock of a recording directory; why is "not
// ours" or "live" when it must be skipped.
func lockForRepair(dir string) (*os.File, string, error) {
	f, err := os.OpenFile(filepath.Join(dir, format.LockName), os.O_RDWR|unix.O_NOFOLLOW, 0)
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ELOOP) {
		return nil, "not ours", nil
	}
	if err != nil {
		return nil, "", err
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK}
	err = unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk)
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
		f.Close()
		return nil, "live", nil
	}
	if err != nil {
		f.Close()
		return nil, "", fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return f, "", nil
}

// removeUnlisted removes the segment and init files of ours that p (nil:
// no playlist) does not list, and a leftover temporary playlist.
func removeUnlisted(d format.Dir, dir string, p *Playlist) ([]string, error) {
	listed := map[string]bool{}
	if p != nil {
		for _, s := range p.Segments {
			listed[s.URI], listed[s.Map] = true, true
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range ents {
		name := e.Name()
		if listed[name] || !e.Type().IsRegular() || !ourFile(name) {
			continue
		}
		if err := d.Remove(name); err != nil {
			return removed, err
		}
		removed = append(removed, name)
	}
	return removed, nil
}

// ourFile reports whether name is one this package writes besides the
// playlist: a segment, an init segment or the temporary playlist.
func ourFile(name string) bool {
	if name == tempName {
		return true
	}
	if _, ok := segmentNumber(name, ".ts"); ok {
		return true
	}
	if _, ok := segmentNumber(name, ".m4s"); ok {
		return true
	}
	return isInitName(name)
}

// isInitName reports whether name is one initName makes.
func isInitName(name string) bool {
	if name == "init.mp4" {
		return true
	}
	digits, ok := strings.CutPrefix(name, "init-")
	if digits, ok = strings.CutSuffix(digits, ".mp4"); !ok {
		return false
	}
	n, err := strconv.Atoi(digits)
	return err == nil && n > 0 && initName(n) == name
}
