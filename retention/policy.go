// Package retention removes old recordings by the rules of their
// recorders (record_max_age, record_max_total, record_stream_quota,
// record_stream_max_files, record_min_free), working from the
// recordings index only: candidates come oldest first from an index of
// the database, each removal marks its row deleted with the rule that
// decided it, and no pass ever walks a directory. Pinned rows, rows being
// recorded, files a live writer holds and the footage kept events
// overlap are never removed.
package retention

import (
	"github.com/rtmprecd/rtmprecd/conf"
)

// Rules, as they name a removal in logs, metrics and the index.
const (
	RuleMaxAge         = "max_age"
	RuleStreamMaxFiles = "stream_max_files"
	RuleStreamQuota    = "stream_quota"
	RuleMaxTotal       = "max_total"
	RuleMinFree        = "min_free"
)

// Rules lists every rule in the order a pass applies them.
var Rules = []string{RuleMaxAge, RuleStreamMaxFiles, RuleStreamQuota, RuleMaxTotal, RuleMinFree}

// Policy is one recorder's retention: the index keys of its rows, its
// recording root and its rules.
type Policy struct {
	App      string // the application's name (rows' App)
	Recorder string // "" is the application's inline recorder
	Root     string // recording root: removals never leave it
	conf.Retention
}

// Name is how logs name the recorder.
func (p *Policy) Name() string {
	if p.Recorder == "" {
		return p.App
	}
	return p.App + "/" + p.Recorder
}

// Policies are the recorders of cfg, each once (an application in
// several servers records to the same rows), the ones without rules too
// (disk monitoring covers every recording root).
func Policies(cfg *conf.Config) []Policy {
	var out []Policy
	seen := map[[2]string]bool{}
	for _, s := range cfg.Servers {
		for _, a := range s.Applications {
			for _, r := range a.Recorders {
				k := [2]string{a.Name, r.Name}
				if seen[k] {
					continue
				}
				seen[k] = true
				out = append(out, Policy{App: a.Name, Recorder: r.Name, Root: r.RootDir(), Retention: r.Retention})
			}
		}
	}
	return out
}
