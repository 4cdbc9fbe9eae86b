package conf

import "testing"

// TestRecordFormat: record_format is inherited like the other record
// settings and defaults to flv; the default spelled out leaves the dump
// and the hash as they were, so existing configurations reload as
// unchanged.
func TestRecordFormat(t *testing.T) {
	base := mustLoad(t, "rtmp { server { listen 1935; application live { record all; record_path /r; } } }")
	spelled := mustLoad(t, "rtmp { record_format FLV; server { listen 1935; application live { record all; record_path /r;\n"+
		"recorder b { record all; record_path /r; record_suffix -b.flv; } } } }")
	if got := base.Servers[0].Applications[0].Recorders[0].Format; got != "flv" {
		t.Errorf("default format %q, want flv", got)
	}
	for _, rc := range spelled.Servers[0].Applications[0].Recorders {
		if rc.Format != "flv" {
			t.Errorf("recorder %q: inherited format %q, want flv", rc.Name, rc.Format)
		}
	}
	again := mustLoad(t, "rtmp { record_format flv; server { listen 1935; application live { record all; record_path /r; } } }")
	if base.Hash != again.Hash {
		t.Errorf("the default spelled out changed the hash:\n%s\n---\n%s", base.Dump(), again.Dump())
	}
	checkRoundTrip(t, spelled)
}

func TestRecordFormatErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"unknown", "rtmp { server { listen 1935;\nrecord_format mkv; } }",
			`invalid value "mkv" in "record_format" directive, the record formats are: flv, mp4, fmp4, hls in t.conf:2`},
		{"no argument", "rtmp { record_format; }", `invalid number of arguments in "record_format" directive in t.conf:1`},
		{"top level", "record_format flv;", `"record_format" directive is not allowed here in t.conf:1`},
		// mp4 and fmp4 recorders of one stream with the same path and suffix
		// would write the same names
		{"same names", app("record_path /r; recorder a { record all; record_format mp4; } recorder b { record all; record_format fmp4; }"),
			`recorder "b" and recorder "a" (t.conf:2) of application "live" write the same files "/r/NAME.mp4" in t.conf:2`},
		{"hls max fragment below fragment", app("record all; record_path /r; record_format hls; record_hls_fragment 6s; record_hls_max_fragment 4s;"),
			`the inline recorder has "record_hls_max_fragment 4s" below "record_hls_fragment 6s": a segment could not reach its fragment in t.conf:2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadBytes("t.conf", []byte(tt.src))
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}
