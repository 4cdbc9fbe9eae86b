package conf

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/parser"
)

// Retention is a recorder's retention rules (record_max_age and its
// family). Zero fields are off; a recorder with every rule off is never
// cleaned up, whatever its filesystem's state.
type Retention struct {
	MaxAge         time.Duration // record_max_age: recordings that ended longer ago go. Default: off.
	MaxTotal       int64         // record_max_total: bytes of the recorder's recordings. Default: off.
	StreamQuota    int64         // record_stream_quota: bytes per stream path. Default: off.
	StreamMaxFiles int64         // record_stream_max_files: recordings per stream path. Default: off.
	MinFree        MinFree       // record_min_free: free-space floor of the root's filesystem. Default: off.
	// KeepLevel is record_keep_level: an event of this level or above
	// keeps its event recording and pins the overlapping continuous
	// recordings of its stream. Default: 0 (every event).
	KeepLevel int
	// EventMaxAge is record_event_max_age: when kept event recordings
	// and event pins end (after the event's end). Default: off (never).
	EventMaxAge time.Duration
	// Directive and Pos name the first rule in effect, for errors.
	Directive string
	Pos       parser.Pos
}

// MinFree is a free-space floor: Bytes, or Percent of the filesystem.
type MinFree struct {
	Bytes   int64
	Percent float64
}

// Set reports whether the floor is on.
func (m MinFree) Set() bool { return m.Bytes > 0 || m.Percent > 0 }

// Floor is the floor in bytes on a filesystem of total bytes.
func (m MinFree) Floor(total uint64) uint64 {
	if m.Percent > 0 {
		return uint64(float64(total) * m.Percent / 100)
	}
	return uint64(m.Bytes)
}

// Enabled reports whether any rule removes recordings.
func (r Retention) Enabled() bool {
	return r.MaxAge > 0 || r.MaxTotal > 0 || r.StreamQuota > 0 || r.StreamMaxFiles > 0 || r.MinFree.Set()
}

// retentionRules are the directives that turn retention on, in the
// order a config error names them.
var retentionRules = []string{"record_max_age", "record_max_total", "record_stream_quota", "record_stream_max_files", "record_min_free"}

// buildRetention reads the recorder's retention settings at s.
func buildRetention(s *scope) Retention {
	r := Retention{
		MaxAge:         s.dur("record_max_age"),
		MaxTotal:       s.int64("record_max_total"),
		StreamQuota:    s.int64("record_stream_quota"),
		StreamMaxFiles: s.int64("record_stream_max_files"),
		KeepLevel:      int(s.int64("record_keep_level")),
		EventMaxAge:    s.dur("record_event_max_age"),
	}
	r.MinFree, _ = s.get("record_min_free").(MinFree)
	for _, k := range retentionRules {
		if e := s.lookup(k); e != nil {
			r.Directive, r.Pos = k, e.pos
			break
		}
	}
	return r
}

// checkRetention rejects retention without record_index: cleanup works
// from the index, never from directory walks.
func checkRetention(cfg *Config) error {
	if cfg.RecordIndex != "" {
		return nil
	}
	for _, s := range cfg.Servers {
		for _, a := range s.Applications {
			for _, rec := range a.Recorders {
				if rec.Retention.Enabled() {
					return errAt(rec.Retention.Pos, fmt.Sprintf("%q needs \"record_index\" at the top level: retention works from the recordings index", rec.Retention.Directive))
				}
			}
		}
	}
	return nil
}

// setOffset reads a size as nginx's ngx_parse_offset: parseSize's
// units and g/G (GiB), since retention sizes are disk sizes.
func setOffset(_ *loader, d *parser.Directive) (any, error) { return parseOffset(d.Args[0]) }

func parseOffset(s string) (int64, error) {
	if n := len(s); n > 1 && (s[n-1] == 'g' || s[n-1] == 'G') {
		v, ok := atoi(s[:n-1])
		if !ok || v > math.MaxInt64>>30 {
			return 0, badValue(s)
		}
		return v << 30, nil
	}
	return parseSize(s)
}

func formatOffset(n int64) string {
	if n != 0 && n%(1<<30) == 0 {
		return strconv.FormatInt(n>>30, 10) + "g"
	}
	return formatSize(n)
}

// setMinFree reads SIZE or PERCENT (`10%`, `2.5%`, below 100).
func setMinFree(_ *loader, d *parser.Directive) (any, error) {
	a := d.Args[0]
	if p, ok := strings.CutSuffix(a, "%"); ok {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || v <= 0 || v >= 100 || math.IsNaN(v) {
			return nil, badValueWhy(a, "a percentage must be above 0 and below 100")
		}
		return MinFree{Percent: v}, nil
	}
	n, err := parseOffset(a)
	if err != nil {
		return nil, err
	}
	return MinFree{Bytes: n}, nil
}

func formatMinFree(m MinFree) string {
	if m.Percent > 0 {
		return strconv.FormatFloat(m.Percent, 'f', -1, 64) + "%"
	}
	return formatOffset(m.Bytes)
}

var (
	dumpOffset  = scalar(formatOffset)
	dumpMinFree = scalar(formatMinFree)
	dumpIntKept = unlessInherited(formatInt)
)

func offsetRow(name, doc string) *row {
	return &row{name: name, ctx: ctxRecAll, dumpAt: ctxRecorders, min: 1, max: 1, set: setOffset, dump: dumpOffset, syntax: "SIZE", doc: doc}
}

// retentionTable are the retention rows of the directive table.
var retentionTable = []*row{
	{name: "record_max_age", ctx: ctxRecAll, dumpAt: ctxRecorders, min: 1, max: 1, set: setTime, dump: dumpTime, syntax: "TIME",
		doc: "Remove the recordings that ended longer ago than TIME (`30d`). Needs `record_index`. Default: off."},
	offsetRow("record_max_total", "Keep the recorder's recordings under SIZE in total (`k`, `m`, `g`), removing the oldest first; every recorder of an application that sets it gets its own total. Needs `record_index`. Default: off."),
	offsetRow("record_stream_quota", "Keep the recordings of each stream path of the recorder under SIZE, oldest first. Default: off."),
	{name: "record_stream_max_files", ctx: ctxRecAll, dumpAt: ctxRecorders, min: 1, max: 1, set: setInt(1, math.MaxInt32), dump: dumpInt, syntax: "NUMBER",
		doc: "Keep at most NUMBER recordings of each stream path of the recorder, oldest removed first. Default: off."},
	{name: "record_min_free", ctx: ctxRecAll, dumpAt: ctxRecorders, min: 1, max: 1, set: setMinFree, dump: dumpMinFree, syntax: "SIZE|PERCENT",
		doc: "When the filesystem of the recording root has less free space, remove the oldest recordings of the recorders that set it there at once, until it is back above; the highest floor on a filesystem applies to all of them. Default: off."},
	{name: "record_keep_level", ctx: ctxRecAll, dumpAt: ctxRecorders, min: 1, max: 1, set: setInt(0, math.MaxInt32), dump: dumpIntKept, def: "0", syntax: "NUMBER",
		doc: "Retention never removes an event recording whose event level is NUMBER or above, nor the recordings of the stream that such an event overlaps, until `record_event_max_age`."},
	{name: "record_event_max_age", ctx: ctxRecAll, dumpAt: ctxRecorders, min: 1, max: 1, set: setTime, dump: dumpTime, syntax: "TIME",
		doc: "How long after its end an event keeps its recording and the footage it overlaps. Default: off (kept until removed by hand)."},
	{name: "record_cleanup_interval", ctx: ctxMain, min: 1, max: 1, set: setTime, dump: dumpTimeKept, def: "1h", syntax: "TIME",
		doc: "Period of the retention passes (age, totals, quotas); `record_min_free` is checked at once whenever a file grows or closes."},
}
