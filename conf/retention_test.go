package conf

import (
	"testing"
	"time"
)

// TestRetentionSettings reads every rule, inherited from the
// application into its recorders and overridden by one.
func TestRetentionSettings(t *testing.T) {
	cfg := mustLoad(t, `record_index /var/lib/x/.index.db; record_cleanup_interval 5m;
rtmp { server { application live {
	record all; record_path /rec; record_max_age 30d; record_max_total 2g; record_stream_quota 100m;
	record_stream_max_files 10; record_min_free 12.5%; record_keep_level 3; record_event_max_age 90d;
	recorder small { record all; record_path /rec2; record_min_free 1g; record_max_age 0; }
} } }`)
	checkRoundTrip(t, cfg)
	if cfg.CleanupInterval != 5*time.Minute {
		t.Errorf("cleanup interval %v", cfg.CleanupInterval)
	}
	recs := cfg.Servers[0].Applications[0].Recorders
	small, inline := recs[0].Retention, recs[1].Retention
	want := Retention{MaxAge: 30 * 24 * time.Hour, MaxTotal: 2 << 30, StreamQuota: 100 << 20, StreamMaxFiles: 10,
		MinFree: MinFree{Percent: 12.5}, KeepLevel: 3, EventMaxAge: 90 * 24 * time.Hour, Directive: "record_max_age"}
	inline.Pos = want.Pos
	if inline != want {
		t.Errorf("inline recorder:\n got %+v\nwant %+v", inline, want)
	}
	if small.MaxAge != 0 || small.MinFree != (MinFree{Bytes: 1 << 30}) || small.MaxTotal != 2<<30 {
		t.Errorf("recorder small: %+v", small)
	}
	if got := (MinFree{Percent: 12.5}).Floor(800); got != 100 {
		t.Errorf("12.5%% of 800 = %d", got)
	}
}

func TestRetentionDefaults(t *testing.T) {
	cfg := mustLoad(t, "rtmp { server { application live { record all; record_path /rec; } } }")
	if cfg.CleanupInterval != time.Hour {
		t.Errorf("default cleanup interval %v", cfg.CleanupInterval)
	}
	if r := cfg.Servers[0].Applications[0].Recorders[0].Retention; r.Enabled() || r.KeepLevel != 0 {
		t.Errorf("default retention %+v", r)
	}
}

func TestRetentionErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"rtmp { server { application live { record all; record_path /r;\nrecord_max_age 30d; } } }",
			`"record_max_age" needs "record_index" at the top level: retention works from the recordings index in t.conf:2`},
		{"rtmp { server {\nrecord_min_free 5%;\napplication live { recorder r { record all; record_path /r; } } } }",
			`"record_min_free" needs "record_index" at the top level: retention works from the recordings index in t.conf:2`},
		{"record_index /x.db; rtmp { server { application live {\nrecord_min_free 100%; } } }",
			`invalid value "100%" in "record_min_free" directive, a percentage must be above 0 and below 100 in t.conf:2`},
		{"record_index /x.db; rtmp { server { application live {\nrecord_max_total 5t; } } }",
			`invalid value "5t" in "record_max_total" directive in t.conf:2`},
		{"record_index /x.db; rtmp { server { application live {\nrecord_stream_max_files 0; } } }",
			`invalid value "0" in "record_stream_max_files" directive, it must be between 1 and 2147483647 in t.conf:2`},
		{"rtmp { record_cleanup_interval 1m; }", `"record_cleanup_interval" directive is not allowed here in t.conf:1`},
	}
	for _, tt := range tests {
		_, err := LoadBytes("t.conf", []byte(tt.src))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s:\n got %v\nwant %s", tt.src, err, tt.want)
		}
	}
}
