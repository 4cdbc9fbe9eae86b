package retention

import (
	"sync"
	"time"
)

// RuleCount is what one rule removed since start.
type RuleCount struct {
	Files int64 `json:"files"`
	Bytes int64 `json:"bytes"`
}

// Status is the cleaner's state for the status API and the metrics.
type Status struct {
	LastPass         time.Time            `json:"lastPass,omitzero"`
	LastPassSeconds  float64              `json:"lastPassSeconds"`
	LastPassRemoved  int                  `json:"lastPassRemoved"`
	Removed          map[string]RuleCount `json:"removed"`          // by rule
	Missing          int64                `json:"missing"`          // rows whose file was already gone
	MaxQuerySeconds  float64              `json:"maxQuerySeconds"`  // longest candidate query
	MaxRetireSeconds float64              `json:"maxRetireSeconds"` // longest write transaction
	Disks            []DiskStatus         `json:"disks"`
}

type statsBox struct {
	mu sync.Mutex
	s  Status
}

func (b *statsBox) removed(rm Removal) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if rm.Missing {
		b.s.Missing++
		return
	}
	if b.s.Removed == nil {
		b.s.Removed = map[string]RuleCount{}
	}
	rc := b.s.Removed[rm.Rule]
	rc.Files++
	rc.Bytes += rm.Row.Size
	b.s.Removed[rm.Rule] = rc
}

// held records how long one statement held the database.
func (b *statsBox) held(d time.Duration, write bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if write {
		b.s.MaxRetireSeconds = max(b.s.MaxRetireSeconds, d.Seconds())
	} else {
		b.s.MaxQuerySeconds = max(b.s.MaxQuerySeconds, d.Seconds())
	}
}

func (b *statsBox) passDone(at time.Time, took time.Duration, n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.s.LastPass, b.s.LastPassSeconds, b.s.LastPassRemoved = at, took.Seconds(), n
}

// Status returns a copy of the cleaner's state.
func (c *Cleaner) Status() Status {
	c.stats.mu.Lock()
	s := c.stats.s
	s.Removed = make(map[string]RuleCount, len(c.stats.s.Removed))
	for k, v := range c.stats.s.Removed {
		s.Removed[k] = v
	}
	c.stats.mu.Unlock()
	s.Disks = c.disks.status()
	return s
}
