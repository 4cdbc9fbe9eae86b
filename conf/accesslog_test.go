package conf

import (
	"reflect"
	"testing"
)

// TestAccessLogInheritance: the innermost level with any access_log line
// decides; lines of one level accumulate; off there means none; the
// server's own set covers connections that name no application.
func TestAccessLogInheritance(t *testing.T) {
	cfg := mustLoad(t, `rtmp {
		log_format short '$app/$name' ' $bytes_received';
		access_log /log/all.log;
		server { listen 1935;
			application inherit { }
			application own { access_log /log/a.log short; access_log /log/b.log; }
			application none { access_log off; }
		}
		server { listen 1936; access_log off; application x { } }
	}`)
	s := cfg.Servers[0]
	paths := func(logs []AccessLog) []string {
		var out []string
		for _, a := range logs {
			out = append(out, a.Path+" "+a.Format.Name)
		}
		return out
	}
	tests := []struct {
		name string
		got  []AccessLog
		want []string
	}{
		{"server", s.AccessLogs, []string{"/log/all.log combined"}},
		{"inherit", s.Applications[0].AccessLogs, []string{"/log/all.log combined"}},
		{"own", s.Applications[1].AccessLogs, []string{"/log/a.log short", "/log/b.log combined"}},
		{"off", s.Applications[2].AccessLogs, nil},
		{"server off", cfg.Servers[1].AccessLogs, nil},
		{"under server off", cfg.Servers[1].Applications[0].AccessLogs, nil},
	}
	for _, tt := range tests {
		if got := paths(tt.got); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	short := s.Applications[1].AccessLogs[0].Format
	want := []LogPart{{Var: "app"}, {Literal: "/"}, {Var: "name"}, {Literal: " "}, {Var: "bytes_received"}}
	if !reflect.DeepEqual(short.Parts, want) || short.Text != "$app/$name $bytes_received" {
		t.Errorf("short: %q %+v", short.Text, short.Parts)
	}
}

func TestCombinedFormat(t *testing.T) {
	var vars []string
	for _, p := range combined.Parts {
		if p.Var != "" {
			vars = append(vars, p.Var)
		}
	}
	want := []string{"remote_addr", "time_local", "command", "app", "name", "args", "bytes_received",
		"bytes_sent", "pageurl", "flashver", "session_readable_time"}
	if !reflect.DeepEqual(vars, want) || combined.Parts[1].Literal != " [" {
		t.Errorf("combined: %+v", combined.Parts)
	}
	f, err := compileFormat("b", []string{"${app}x$name-", "$connection"})
	if err != nil || !reflect.DeepEqual(f.Parts, []LogPart{{Var: "app"}, {Literal: "x"}, {Var: "name"}, {Literal: "-"}, {Var: "connection"}}) {
		t.Errorf("braces: %+v %v", f, err)
	}
}

func TestAccessLogErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"rtmp { log_format x '$nope'; }", `unknown variable "nope" in t.conf:1`},
		{"rtmp { log_format x '${app'; }", `missing closing bracket in "${app" in t.conf:1`},
		{"rtmp { log_format x 'a $'; }", `invalid parameter "$" in t.conf:1`},
		{"rtmp { log_format x '$ app'; }", `invalid parameter "$ app" in t.conf:1`},
		{"rtmp { log_format x '$app';\nlog_format x '$name'; }", `duplicate "log_format" name "x" in t.conf:2`},
		{"rtmp { log_format combined '$app'; }", `duplicate "log_format" name "combined" in t.conf:1`},
		{"rtmp { server { application a {\naccess_log /l.log fancy; } } }", `unknown log format "fancy" in t.conf:2`},
		{"rtmp { server { log_format x '$app'; } }", `"log_format" directive is not allowed here in t.conf:1`},
		{"rtmp { log_format x; }", `invalid number of arguments in "log_format" directive in t.conf:1`},
		{"rtmp { access_log a b c; }", `invalid number of arguments in "access_log" directive in t.conf:1`},
		{"rtmp { server { application a { recorder r { access_log /l; } } } }", `"access_log" directive is not allowed here in t.conf:1`},
	}
	for _, tt := range tests {
		_, err := LoadBytes("t.conf", []byte(tt.src))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s:\n got %v\nwant %s", tt.src, err, tt.want)
		}
	}
}

// TestHashFollowsAccessLog: access_log and log_format reach the canonical
// dump, so a reload that changes them is applied.
func TestHashFollowsAccessLog(t *testing.T) {
	variants := []string{
		app(""),
		app("access_log /l/a.log;"),
		app("access_log /l/b.log;"),
		app("access_log /l/a.log;\naccess_log /l/c.log;"),
		"rtmp { log_format f '$app'; server { listen 1935; application live { access_log /l/a.log f; } } }",
		"rtmp { log_format f '$name'; server { listen 1935; application live { access_log /l/a.log f; } } }",
		// a variable ends at its argument: not the same as '$appx'
		"rtmp { log_format f '$app' 'x'; server { listen 1935; application live { access_log /l/a.log f; } } }",
		"rtmp { access_log /l/a.log; server { listen 1935; application live { access_log off; } } }",
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
}

func TestAccessLogInNginxDir(t *testing.T) {
	cfg := mustLoad(t, app("access_log /var/log/nginx/rtmp_access.log;"))
	want := `"access_log" points at nginx's log file "/var/log/nginx/rtmp_access.log": nginx's logrotate moves it and signals only nginx, so rtmprecd keeps writing to the old file; give rtmprecd its own, such as /var/log/rtmprecd/access.log in t.conf:2`
	if len(cfg.Warnings) != 1 || cfg.Warnings[0].String() != want {
		t.Errorf("warnings %v", cfg.Warnings)
	}
}
