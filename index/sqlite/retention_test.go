package sqlite

import (
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/storetest"
)

// TestRetentionSuite runs the retention queries' shared suite.
func TestRetentionSuite(t *testing.T) {
	storetest.RunRetention(t, func(t *testing.T) storetest.RetentionStore { return openTemp(t) })
}

// TestRemovableQueryPlanSeeksTheRetentionIndex: Removable's own query,
// with a cursor, an age bound and the event protection, seeks the
// retention index in its order (no sort) and checks events from the
// events_trigger index, never by reading the stream's rows: each batch
// costs the same however many rows the pass already removed.
func TestRemovableQueryPlanSeeksTheRetentionIndex(t *testing.T) {
	s := openTemp(t)
	for _, q := range []index.RemovableQuery{
		{App: "live", Limit: 64, KeepLevel: 1, After: index.Cursor{Start: t0, ID: 5}, EndedBefore: t0},
		{App: "live", StreamPath: "live/cam", Limit: 64, After: index.Cursor{Start: t0, ID: 5}, EventCutoff: t0},
	} {
		sql, args := removableSQL(q)
		rows, err := s.db.Query("EXPLAIN QUERY PLAN "+sql, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan strings.Builder
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(detail + "\n")
		}
		rows.Close()
		p := plan.String()
		if !strings.Contains(p, "USING INDEX recordings_retention") || !strings.Contains(p, "start_ms>?") ||
			strings.Contains(p, "TEMP B-TREE") || !strings.Contains(p, "SEARCH e USING INDEX events_trigger") ||
			strings.Contains(p, "recordings_stream_start") {
			t.Errorf("%+v: plan:\n%s", q, p)
		}
	}
}
