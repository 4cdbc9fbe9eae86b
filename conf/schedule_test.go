package conf

import (
	"testing"
	"time"
)

// TestRecordScheduleErrors: -t rejects malformed schedules, zones, stream
// filters and path templates with the directive and file:line.
func TestRecordScheduleErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"bad day", app("record all; record_path /r;\nrecord_schedule mon-fry 08:00-18:00;"),
			`invalid value "mon-fry" in "record_schedule" directive, "mon-fry" is not daily, a weekday (mon..sun), a range of them (mon-fri) or a date (2026-12-24) in t.conf:3`},
		{"bad date", app("record_schedule 2026-02-30 08:00-09:00;"),
			`invalid value "2026-02-30" in "record_schedule" directive, "2026-02-30" is not daily, a weekday (mon..sun), a range of them (mon-fri) or a date (2026-12-24) in t.conf:2`},
		{"bad span", app("record_schedule daily 8:00-18:00;"),
			`invalid value "8:00-18:00" in "record_schedule" directive, a span is HH:MM-HH:MM, from 00:00 to 24:00 in t.conf:2`},
		{"past 24", app("record_schedule daily 08:00-24:30;"),
			`invalid value "08:00-24:30" in "record_schedule" directive, a span is HH:MM-HH:MM, from 00:00 to 24:00 in t.conf:2`},
		{"empty window", app("record_schedule daily 08:00-08:00;"),
			`invalid value "08:00-08:00" in "record_schedule" directive, the window is empty (a whole day is 00:00-24:00) in t.conf:2`},
		{"one argument", app("record_schedule daily;"), `invalid number of arguments in "record_schedule" directive in t.conf:2`},
		{"in server", "rtmp { server {\nrecord_schedule daily 08:00-09:00; } }", `"record_schedule" directive is not allowed here in t.conf:2`},
		{"bad zone", app("record_timezone Mars/Olympus;"),
			`invalid value "Mars/Olympus" in "record_timezone" directive, not a time zone name known here (IANA, e.g. Europe/Berlin, or UTC or Local) in t.conf:2`},
		{"bad regex", app("record_streams ~cam(;"),
			"invalid value \"~cam(\" in \"record_streams\" directive, error parsing regexp: missing closing ): `cam(` in t.conf:2"},
		{"regex and names", app("record_streams ~cam a;"),
			`invalid value "a" in "record_streams" directive, a regular expression (~REGEX) stands alone in t.conf:2`},
		{"unknown variable", app("record all;\nrecord_path /r/$stream;"),
			`invalid value "/r/$stream" in "record_path" directive, unknown variable at "$stream": use $app, $name, $recorder, $0..$9, or $$ for a "$" in t.conf:3`},
		{"capture without regex", app("record all;\nrecord_path /r/$1;"),
			`invalid value "/r/$1" in "record_path" directive, $1 needs "record_streams ~REGEX" with at least 1 groups in the recorder (it has 0) in t.conf:3`},
		{"capture beyond groups", app("record all; record_streams ~^(a)-(b)$;\nrecord_path /r/$3;"),
			`invalid value "/r/$3" in "record_path" directive, $3 needs "record_streams ~REGEX" with at least 3 groups in the recorder (it has 2) in t.conf:3`},
		{"no root", app("record all;\nrecord_path $app/x;"),
			`invalid value "$app/x" in "record_path" directive, a directory must come before the first variable or verb: it is the root nothing is written outside of in t.conf:3`},
		{"dotdot after variable", app("record all;\nrecord_path /r/$app/../..;"),
			`invalid value "/r/$app/../.." in "record_path" directive, ".." after the first variable could leave the recording root "/r" in t.conf:3`},
		{"suffix variable", app("record all; record_path /r;\nrecord_suffix -$who.flv;"),
			`invalid value "-$who.flv" in "record_suffix" directive, unknown variable at "$who.flv": use $app, $name, $recorder, $0..$9, or $$ for a "$" in t.conf:3`},
		{"same files with templates", app("record all; record_path /r/$app;\nrecorder a { record video; }"),
			`the inline recorder and recorder "a" (t.conf:3) of application "live" write the same files "/r/$app/NAME.flv" in t.conf:2`},
		{"listed names overlap", app("recorder a { record all; record_path /r; record_streams x y; }\nrecorder b { record all; record_path /r; record_streams ~^y$; }"),
			`recorder "b" and recorder "a" (t.conf:2) of application "live" write the same files "/r/NAME.flv" in t.conf:3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadBytes("t.conf", []byte(tt.src))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("got  %q\nwant %q", err.Error(), tt.want)
			}
		})
	}
}

// TestRecordScheduleLoads: the forms load, a recorder's own
// schedules replace its application's, and the zone, filter and
// templates reach the recorder.
func TestRecordScheduleLoads(t *testing.T) {
	src := app(`record all; record_path /r/$app/%Y; record_timezone Europe/Berlin; record_interval 10m; record_interval_align on;
record_schedule mon-fri 08:00-18:00; record_schedule daily 22:00-06:00;
record_schedule sat,sun 00:00-24:00; record_schedule 2026-12-24 10:00-12:00;
recorder night { record all; record_path /n/$1; record_suffix -$recorder.flv; record_streams ~^cam(\d+)$; record_schedule fri-mon 20:00-08:00; }
recorder pick { record all; record_path /p; record_streams a b; }`)
	cfg, err := LoadBytes("t.conf", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	recs := cfg.Servers[0].Applications[0].Recorders
	byName := map[string]*Recorder{}
	for _, r := range recs {
		byName[r.Name] = r
	}
	inline, night, pick := byName[""], byName["night"], byName["pick"]
	if len(inline.Schedules) != 4 || inline.Schedules[1].Start != 22*60 || !inline.Schedules[1].CrossesMidnight() ||
		inline.Schedules[3].Dates[0] != (Date{2026, time.December, 24}) || inline.Schedules[2].Days != 1|1<<6 {
		t.Errorf("inline schedules %+v", inline.Schedules)
	}
	if inline.Zone().String() != "Europe/Berlin" || !inline.IntervalAlign || inline.PathTemplate == nil || inline.PathTemplate.Root != "/r" {
		t.Errorf("inline: zone %v align %v template %+v", inline.Zone(), inline.IntervalAlign, inline.PathTemplate)
	}
	if len(night.Schedules) != 1 || night.Schedules[0].Days != 1<<5|1<<6|1<<0|1<<1 || night.SuffixTemplate == nil {
		t.Errorf("night: schedules %+v suffix %+v", night.Schedules, night.SuffixTemplate)
	}
	if c, ok := night.Streams.Match("cam12"); !ok || c[1] != "12" {
		t.Errorf("night matches cam12: %v %v", c, ok)
	}
	if _, ok := pick.Streams.Match("c"); ok || len(pick.Schedules) != 4 {
		t.Errorf("pick: matches c, or does not inherit the application's schedules (%d)", len(pick.Schedules))
	}
	checkRoundTrip(t, cfg)
}

// TestRecordStreamsKeepFilesApart: recorders sharing a path load when
// their stream lists are disjoint, or when both are expressions (not
// decidable at load: never-truncate keeps their files apart).
func TestRecordStreamsKeepFilesApart(t *testing.T) {
	for _, body := range []string{
		"recorder a { record all; record_path /r; record_streams x; }\nrecorder b { record all; record_path /r; record_streams y; }",
		"recorder a { record all; record_path /r; record_streams ~^x; }\nrecorder b { record all; record_path /r; record_streams ~^y; }",
		"recorder a { record all; record_path /r/$recorder; }\nrecorder b { record all; record_path /r/$recorder; }",
	} {
		if _, err := LoadBytes("t.conf", []byte(app(body))); err != nil {
			t.Errorf("%s: %v", body, err)
		}
	}
}
