package conf

import (
	"strings"
	"testing"
	"time"
)

// TestRecordFormatInheritsAndSetsSuffix: record_format is inherited from
// the rtmp level down to recorders; the default suffix follows it and an
// explicit suffix wins. The dump keeps all of it: a recorder that sets the
// default format under an outer mp4 one still records flv after a reload.
func TestRecordFormatInheritsAndSetsSuffix(t *testing.T) {
	cfg := mustLoad(t, `rtmp { record_format mp4; server { listen 1935; application live {
		record all; record_path /r;
		recorder f { record_format fmp4; record_path /f; }
		recorder s { record_format FMP4; record_path /s; record_suffix .frag.mp4; }
		recorder v { record_format flv; record_path /v; }
		recorder room { record_path /m; record_moov_room 10m; }
		recorder back { record_path /b; record_moov_room 1h; }
	} } }`)
	checkRoundTrip(t, cfg)
	reloaded := mustLoad(t, string(cfg.Dump()))
	for name, c := range map[string]*Config{"loaded": cfg, "dump reloaded": reloaded} {
		a := c.Servers[0].Applications[0]
		for _, tt := range []struct {
			rec, format, suffix string
			room                time.Duration
		}{
			{"", "mp4", ".mp4", time.Hour}, {"f", "fmp4", ".mp4", time.Hour}, {"s", "fmp4", ".frag.mp4", time.Hour},
			{"v", "flv", ".flv", time.Hour}, {"room", "mp4", ".mp4", 10 * time.Minute}, {"back", "mp4", ".mp4", time.Hour},
		} {
			r := a.Recorder(tt.rec)
			if r.Format != tt.format || r.Suffix != tt.suffix || r.MoovRoom != tt.room {
				t.Errorf("%s: recorder %q: format %q suffix %q room %v, want %q %q %v", name, tt.rec, r.Format, r.Suffix,
					r.MoovRoom, tt.format, tt.suffix, tt.room)
			}
		}
	}
}

// TestRecordFormatChangesHash: a reload that changes only record_format or
// record_moov_room is applied, not skipped as unchanged.
func TestRecordFormatChangesHash(t *testing.T) {
	base := mustLoad(t, app("record all; record_path /r;"))
	same := mustLoad(t, app("record all; record_path /r; record_format flv; record_moov_room 1h;"))
	mp4 := mustLoad(t, app("record all; record_path /r; record_format mp4;"))
	fmp4 := mustLoad(t, app("record all; record_path /r; record_format fmp4;"))
	room := mustLoad(t, app("record all; record_path /r; record_format mp4; record_moov_room 2h;"))
	if base.Hash != same.Hash {
		t.Errorf("the defaults spelled out changed the hash")
	}
	seen := map[string]string{}
	for name, c := range map[string]*Config{"base": base, "mp4": mp4, "fmp4": fmp4, "room": room} {
		if other, ok := seen[c.Hash]; ok {
			t.Errorf("%s and %s have the same hash", name, other)
		}
		seen[c.Hash] = name
	}
}

// TestRecordAppendWithMP4Warns: record_append set at the rtmp level with
// an mp4 format cannot append; the configuration loads with one warning
// however many recorders inherit it, and FLV and fMP4 recorders (which
// append) get none.
func TestRecordAppendWithMP4Warns(t *testing.T) {
	cfg := mustLoad(t, `rtmp { record_append on; record_format mp4; server { listen 1935;
		application a { record all; record_path /a; }
		application b { record all; record_path /b; recorder f { record all; record_format fmp4; record_path /f; } }
		application c { record all; record_path /c; record_format flv; }
	} }`)
	var n int
	for _, w := range cfg.Warnings {
		if strings.Contains(w.String(), "cannot append") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d append warnings, want 1: %v", n, cfg.Warnings)
	}
	for _, f := range []string{"flv", "fmp4"} {
		c := mustLoad(t, app("record all; record_path /r; record_append on; record_format "+f+";"))
		if len(c.Warnings) != 0 {
			t.Errorf("%s with record_append warns: %v", f, c.Warnings)
		}
	}
}
