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
	// written at the crash when nothing in it was whole, an init segment
	// never listed, a temporary playlist): segments are listed only once
	// whole, so an unlisted one may be torn.
	Removed []string
	// Finished is the segment being written at the crash when repair
	// cut it after its last whole fMP4 fragment or MPEG-TS PES packet
	// and listed it ("" none); FinishedMS its duration.
	Finished   string
	FinishedMS int64
	// Segments listed in the playlist (Finished included); MS their
	// total duration.
	Segments int
	MS       int64
}

// RepairDir closes an HLS recording of ours left unfinished by a crash:
// the segment being written at the crash is cut after its last whole
// fragment (fMP4) or PES packet (MPEG-TS) and listed (finish.go), the
// playlist gets #EXT-X-ENDLIST (rewritten atomically, as while
// recording) and every other segment or init file it does not list is
// removed.
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
	}
	listed := listedNames(p)
	torn, err := finishTornSegment(d, dir, p, listed)
	if err != nil {
		return res, fmt.Errorf("repair %s: %w", dir, err)
	}
	if torn != nil {
		listed[torn.name], listed[torn.mapURI] = true, torn.mapURI != ""
		res.Finished, res.FinishedMS = torn.name, torn.e.ms
		res.Segments++
		res.MS += torn.e.ms
		res.Closed = p == nil || !p.Ended
	} else if p != nil && !p.Ended && len(p.Segments) > 0 {
		pl := playlist{dir: d, body: p.Body, fsync: true}
		if err := pl.end(); err != nil {
			return res, fmt.Errorf("repair %s: %w", dir, err)
		}
		res.Closed = true
	}
	if res.Removed, err = removeUnlisted(d, dir, listed); err != nil {
		return res, fmt.Errorf("repair %s: %w", dir, err)
	}
	if log != nil && (res.Closed || len(res.Removed) > 0 || res.Finished != "") {
		log.Warn("repair: closed an unfinished HLS recording", "path", dir, "segments", res.Segments,
			"seconds", float64(res.MS)/1000, "ended", res.Closed, "finished", res.Finished,
			"recovered_seconds", float64(res.FinishedMS)/1000, "removed", strings.Join(res.Removed, ","))
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

// listedNames is the set of files p (nil: no playlist) lists: segments
// and init segments.
func listedNames(p *Playlist) map[string]bool {
	listed := map[string]bool{}
	if p != nil {
		for _, s := range p.Segments {
			listed[s.URI], listed[s.Map] = true, s.Map != ""
		}
	}
	return listed
}

// finishTornSegment finishes and lists the segment a crash left half
// written (finish.go), when there is one with whole media in it; nil
// when there is none, and then it goes with the other unlisted files.
func finishTornSegment(d format.Dir, dir string, p *Playlist, listed map[string]bool) (*tornSegment, error) {
	t, ok := findTorn(dir, p, newestUnlistedInit(dir, listed))
	if !ok {
		return nil, nil
	}
	if ok, err := finishTorn(dir, p, &t); err != nil || !ok {
		return nil, err
	}
	if err := listTorn(d, p, t); err != nil {
		return nil, err
	}
	return &t, nil
}

// newestUnlistedInit is the init segment with the highest number that
// the playlist does not list; "" none.
func newestUnlistedInit(dir string, listed map[string]bool) string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	best, newest := -1, ""
	for _, e := range ents {
		n, ok := initNumber(e.Name())
		if ok && !listed[e.Name()] && e.Type().IsRegular() && n > best {
			best, newest = n, e.Name()
		}
	}
	return newest
}

// removeUnlisted removes the segment and init files of ours that are not
// listed, and a leftover temporary playlist.
func removeUnlisted(d format.Dir, dir string, listed map[string]bool) ([]string, error) {
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
	_, ok := initNumber(name)
	return ok
}

// initNumber is n for a name initName(n) makes.
func initNumber(name string) (int, bool) {
	if name == "init.mp4" {
		return 0, true
	}
	digits, ok := strings.CutPrefix(name, "init-")
	if digits, ok = strings.CutSuffix(digits, ".mp4"); !ok {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil && n > 0 && initName(n) == name
}
