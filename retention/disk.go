package retention

import (
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Disk is a filesystem as statfs(2) reports it.
type Disk struct {
	ID    string // the filesystem's id: roots with the same one share a floor
	Total uint64 // bytes
	Avail uint64 // bytes available to unprivileged writers (what rtmprecd may use)
	Free  uint64 // bytes free, including the reserve
}

// Statfs reads the filesystem of path.
func Statfs(path string) (Disk, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return Disk{}, fmt.Errorf("statfs %s: %w", path, err)
	}
	bs := uint64(st.Bsize)
	return Disk{ID: fmt.Sprintf("%x:%x", st.Fsid.Val[0], st.Fsid.Val[1]),
		Total: st.Blocks * bs, Avail: st.Bavail * bs, Free: st.Bfree * bs}, nil
}

// DiskStatus is what an operator alerts on, per filesystem of the
// recording roots.
type DiskStatus struct {
	Roots      []string  `json:"roots"`
	Total      uint64    `json:"totalBytes"`
	Free       uint64    `json:"freeBytes"` // available to rtmprecd
	Used       uint64    `json:"usedBytes"`
	Floor      uint64    `json:"minFreeBytes"` // record_min_free in effect; 0: none
	Oldest     time.Time `json:"oldestRecording,omitzero"`
	WriteRate  float64   `json:"writeBytesPerSecond"`
	TimeToFull float64   `json:"secondsToFull"` // at WriteRate; -1: not filling
}

// diskWatch keeps each filesystem's last reading and its fill rate.
type diskWatch struct {
	mu    sync.Mutex
	disks map[string]*diskState
	order []string
}

type diskState struct {
	DiskStatus
	seen time.Time
}

// rateWeight is the weight of the newest sample in the fill rate's
// moving average.
const rateWeight = 0.3

// observe records a reading of d for the roots at now.
func (w *diskWatch) observe(d Disk, roots []string, floor uint64, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.disks == nil {
		w.disks = map[string]*diskState{}
	}
	s := w.disks[d.ID]
	if s == nil {
		s = &diskState{}
		w.disks[d.ID] = s
		w.order = append(w.order, d.ID)
	}
	used := d.Total - d.Free
	if !s.seen.IsZero() && now.After(s.seen) {
		rate := (float64(used) - float64(s.Used)) / now.Sub(s.seen).Seconds()
		s.WriteRate = rateWeight*max(rate, 0) + (1-rateWeight)*s.WriteRate
	}
	s.Roots, s.Total, s.Free, s.Used, s.Floor, s.seen = roots, d.Total, d.Avail, used, floor, now
	s.TimeToFull = -1
	if s.WriteRate > 1 {
		s.TimeToFull = math.Round(float64(d.Avail) / s.WriteRate)
	}
}

func (w *diskWatch) setOldest(id string, t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s := w.disks[id]; s != nil {
		s.Oldest = t
	}
}

func (w *diskWatch) status() []DiskStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]DiskStatus, 0, len(w.order))
	for _, id := range w.order {
		out = append(out, w.disks[id].DiskStatus)
	}
	return out
}
