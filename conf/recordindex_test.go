package conf

import (
	"strings"
	"testing"
	"time"
)

// TestHashFollowsRecordIndexAndRecordAPI: both directives reach the
// canonical dump, so a reload that changes one is applied, not skipped.
func TestHashFollowsRecordIndexAndRecordAPI(t *testing.T) {
	variants := []string{
		`http { server { listen 127.0.0.1:8080; location /api/ { } } }`,
		`record_index /var/lib/rtmprecd/.index.db; http { server { listen 127.0.0.1:8080; location /api/ { } } }`,
		`record_index /var/lib/rtmprecd/other.db; http { server { listen 127.0.0.1:8080; location /api/ { } } }`,
		`record_index /var/lib/rtmprecd/other.db; http { server { listen 127.0.0.1:8080; location /api/ { record_api on; } } }`,
	}
	seen := map[string]int{}
	for i, src := range variants {
		cfg := mustLoad(t, src)
		checkRoundTrip(t, cfg)
		if j, ok := seen[cfg.Hash]; ok {
			t.Errorf("variants %d and %d have the same hash:\n%s", j, i, cfg.Dump())
		}
		seen[cfg.Hash] = i
	}
	cfg := mustLoad(t, variants[3])
	if cfg.RecordIndex != "/var/lib/rtmprecd/other.db" || !cfg.HTTP[0].Locations[0].RecordAPI {
		t.Errorf("record_index %q, location %+v", cfg.RecordIndex, cfg.HTTP[0].Locations[0])
	}
}

func TestRecordAPIErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"http { server { location /api/ {\nrecord_api on; } } }", `"record_api" needs "record_index" at the top level: the API answers from the recordings index in t.conf:2`},
		{"http { server { record_api on; } }", `"record_api" directive is not allowed here in t.conf:1`},
		{"rtmp { record_index /x.db; }", `"record_index" directive is not allowed here in t.conf:1`},
		{"record_index /a.db;\nrecord_index /b.db;", `"record_index" directive is duplicate in t.conf:2`},
	}
	for _, tt := range tests {
		_, err := LoadBytes("t.conf", []byte(tt.src))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s:\n got %v\nwant %s", tt.src, err, tt.want)
		}
	}
}

// TestExportLimits: record_export_max and record_export_concurrency reach
// the location, with their defaults when unset, and bad values name the line.
func TestExportLimits(t *testing.T) {
	cfg := mustLoad(t, `record_index /x.db; http { server { listen 127.0.0.1:8080;
		location /a/ { record_api on; record_export_max 90m; record_export_concurrency 2; }
		location /b/ { record_api on; } } }`)
	a, b := cfg.HTTP[0].Locations[0], cfg.HTTP[0].Locations[1]
	if a.ExportMax != 90*time.Minute || a.ExportLimit != 2 || b.ExportMax != 24*time.Hour || b.ExportLimit != 4 {
		t.Errorf("a %v/%d, b %v/%d", a.ExportMax, a.ExportLimit, b.ExportMax, b.ExportLimit)
	}
	checkRoundTrip(t, cfg)
	for _, src := range []string{
		"record_index /x.db; http { server { location /a/ {\nrecord_export_concurrency 0; } } }",
		"record_index /x.db; http { server { location /a/ {\nrecord_export_max soon; } } }",
	} {
		if _, err := LoadBytes("t.conf", []byte(src)); err == nil || !strings.Contains(err.Error(), "t.conf:2") {
			t.Errorf("%s: %v", src, err)
		}
	}
}
