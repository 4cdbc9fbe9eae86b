package conf

import (
	"errors"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/parser"
)

func mustLoad(t *testing.T, src string) *Config {
	t.Helper()
	cfg, err := LoadBytes("t.conf", []byte(src))
	if err != nil {
		t.Fatalf("load: %v\n%s", err, src)
	}
	return cfg
}

// app wraps directives in rtmp/server/application live.
func app(body string) string {
	return "rtmp { server { listen 1935; application live {\n" + body + "\n} } }"
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown", "recrod all;", `unknown directive "recrod" in t.conf:1`},
		{"unknown in app", app("recrod all;"), `unknown directive "recrod" in t.conf:2`},
		{"duplicate", app("record_path /a;\nrecord_path /b;"), `"record_path" directive is duplicate in t.conf:3`},
		{"duplicate flag", app("live on; live off;"), `"live" directive is duplicate in t.conf:2`},
		{"duplicate rtmp", "rtmp {} rtmp {}", `"rtmp" directive is duplicate in t.conf:1`},
		{"recorder in server", "rtmp { server {\nrecorder x {} } }", `"recorder" directive is not allowed here in t.conf:2`},
		{"listen top", "listen 1935;", `"listen" directive is not allowed here in t.conf:1`},
		{"on_connect in app", app("on_connect http://h/x;"), `"on_connect" directive is not allowed here in t.conf:2`},
		{"live in recorder", app("recorder r { live on; }"), `"live" directive is not allowed here in t.conf:2`},
		{"bad size", app("record_max_size 10X;"), `invalid value "10X" in "record_max_size" directive in t.conf:2`},
		{"size G", app("record_max_size 1G;"), `invalid value "1G" in "record_max_size" directive in t.conf:2`},
		{"bad time", app("record_interval 5x;"), `invalid value "5x" in "record_interval" directive in t.conf:2`},
		{"time order", app("record_interval 30s1m;"), `invalid value "30s1m" in "record_interval" directive in t.conf:2`},
		{"bad flag", app("live yes;"), `invalid value "yes" in "live" directive, it must be "on" or "off" in t.conf:2`},
		{"bad record", app("record all sometimes;"), `invalid value "sometimes" in "record" directive in t.conf:2`},
		{"bad suffix", app("record_suffix -%Q.flv;"), `invalid value "-%Q.flv" in "record_suffix" directive, unknown strftime conversion "%Q" in t.conf:2`},
		{"stray percent", app("record_suffix .flv%;"), `invalid value ".flv%" in "record_suffix" directive, stray % at the end of pattern in t.conf:2`},
		{"bad method", app("notify_method put;"), `invalid value "put" in "notify_method" directive, it must be "get" or "post" in t.conf:2`},
		{"https", app("on_publish https://h/x;"), `invalid value "https://h/x" in "on_publish" directive, only http:// callbacks are supported in t.conf:2`},
		{"bad url", app("on_publish http:///x;"), `invalid value "http:///x" in "on_publish" directive in t.conf:2`},
		{"max_connections 0", "rtmp { max_connections 0; }", `invalid value "0" in "max_connections" directive, it must be between 1 and 16777216 in t.conf:1`},
		{"max_connections word", "rtmp { max_connections lots; }", `invalid value "lots" in "max_connections" directive in t.conf:1`},
		{"max_connections in server", "rtmp { server {\nmax_connections 10; } }", `"max_connections" directive is not allowed here in t.conf:2`},
		{"chunk range", "rtmp { chunk_size 64; }", `invalid value "64" in "chunk_size" directive, it must be between 128 and 16777215 in t.conf:1`},
		{"bad addr", app("allow publish 300.1.1.1;"), `invalid value "300.1.1.1" in "allow" directive in t.conf:2`},
		{"bad cidr", app("deny 10.0.0.0/33;"), `invalid value "10.0.0.0/33" in "deny" directive in t.conf:2`},
		{"bad access verb", app("deny watch all;"), `invalid value "watch" in "deny" directive in t.conf:2`},
		{"bad listen", "rtmp { server { listen 70000; } }", `invalid value "70000" in "listen" directive, invalid port in t.conf:1`},
		{"bad listen host", "rtmp { server { listen a:b:c; } }", `invalid value "a:b:c" in "listen" directive in t.conf:1`},
		{"listen param", "rtmp { server { listen 1935 fast; } }", `invalid parameter "fast" in "listen" directive in t.conf:1`},
		{"dup listen", "rtmp { server { listen 1935; } server {\nlisten *:1935; } }", `duplicate "listen" address ":1935" in t.conf:2`},
		{"bad log level", "error_log x.log loud;", `invalid value "loud" in "error_log" directive in t.conf:1`},
		{"args", app("record_path;"), `invalid number of arguments in "record_path" directive in t.conf:2`},
		{"args many", app("record_path /a /b;"), `invalid number of arguments in "record_path" directive in t.conf:2`},
		{"args block", "rtmp { server { application {} } }", `invalid number of arguments in "application" directive in t.conf:1`},
		{"no brace", "rtmp;", `directive "rtmp" has no opening "{" in t.conf:1`},
		{"block on simple", app("record_path /a { }"), `directive "record_path" is not terminated by ";" in t.conf:2`},
		{"no path", app("record all;"), `"record_path" must be set when "record" is enabled in t.conf:2`},
		{"no path recorder", app("recorder r {\nrecord video; }"), `"record_path" must be set when "record" is enabled in t.conf:2`},
		{"same files", app("record all; record_path /r;\nrecorder a { record video; }"),
			`the inline recorder and recorder "a" (t.conf:3) of application "live" write the same files "/r/NAME.flv" in t.conf:2`},
		{"same files named", app("record_path /r;\nrecorder a { record video; }\nrecorder b { record audio; record_path /r/; }"),
			`recorder "b" and recorder "a" (t.conf:3) of application "live" write the same files "/r/NAME.flv" in t.conf:4`},
		{"empty recorder name", app(`recorder "" {}`), `invalid value "" in "recorder" directive in t.conf:2`},
		{"empty path", app(`record_path "";`), `invalid value "" in "record_path" directive in t.conf:2`},
		{"empty exec", app(`exec_publish "";`), `invalid value "" in "exec_publish" directive in t.conf:2`},
		{"dup application", "rtmp { server { application a {}\napplication a {} } }", `duplicate application "a" in t.conf:2`},
		{"dup recorder", app("recorder a {}\nrecorder a {}"), `duplicate recorder "a" in t.conf:3`},
		{"dup location", "http { server { location /a {}\nlocation /a {} } }", `duplicate location "/a" in t.conf:2`},
		{"bad location modifier2", "http { server { location ! /x {} } }", `invalid value "!" in "location" directive in t.conf:1`},
		{"bad control", "http { server { location /c { rtmp_control all fly; } } }", `invalid value "fly" in "rtmp_control" directive in t.conf:1`},
		{"metrics in server", "http { server { rtmp_metrics on; } }", `"rtmp_metrics" directive is not allowed here in t.conf:1`},
		{"unknown in http", "http { recrod on; }", `unknown directive "recrod" in t.conf:1`},
		{"parser eof", "rtmp {\n", `unexpected end of file, expecting "}" in t.conf:2`},
		{"missing semicolon", app("record all\n  record_path /x;"), `directive "record" is not terminated by ";" in t.conf:2`},
		{"missing semicolon path", app("record_path /x\nrecord all;"), `directive "record_path" is not terminated by ";" in t.conf:2`},
		{"missing semicolon ignored", app("hls on\nrecord all; record_path /r;"), `directive "hls" is not terminated by ";" in t.conf:2`},
		{"missing semicolon last line", app("exec_publish /bin/a\n  b\nlive on;"), `directive "exec_publish" is not terminated by ";" in t.conf:3`},
		{"missing semicolon top", "pid /r.pid\nerror_log /r.log;", `directive "pid" is not terminated by ";" in t.conf:1`},
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

// TestContinuationLines: arguments on following lines stay arguments
// unless one starts a line with a bare directive name.
func TestContinuationLines(t *testing.T) {
	cfg := mustLoad(t, app(`exec_publish ffmpeg -i rtmp://127.0.0.1/live/$name
		-c copy -f flv out.flv;
	exec_publish_done /bin/notify
		"record" done;
	exec_record_done /bin/echo record live;`))
	e := cfg.Servers[0].Applications[0].Exec
	if len(e.Publish[0].Args) != 8 || e.PublishDone[0].Args[1] != "record" {
		t.Errorf("exec: %+v", e)
	}
}

func TestParserErrorUnchanged(t *testing.T) {
	_, err := LoadBytes("t.conf", []byte("rtmp {\n"))
	var pe *parser.Error
	if !errors.As(err, &pe) {
		t.Fatalf("got %T %v, want *parser.Error", err, err)
	}
	_, err = LoadBytes("t.conf", []byte("recrod on;"))
	var ce *Error
	if !errors.As(err, &ce) || ce.Pos.Line != 1 || ce.Msg != `unknown directive "recrod"` {
		t.Fatalf("got %#v", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(t.TempDir() + "/nope.conf")
	if err == nil || !strings.Contains(err.Error(), "nope.conf") {
		t.Fatalf("got %v", err)
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"ignored top", "worker_processes 4;", `"worker_processes" directive is ignored by rtmprecd: ` + procTune + ` in t.conf:1`},
		{"ignored block once", "events {\nuse epoll;\nworker_connections 5; }", `"events" directive is ignored by rtmprecd: ` + procTune + ` in t.conf:1`},
		{"ignored rtmp", app("hls_fragment 3s;"), `"hls_fragment" directive is ignored by rtmprecd: no live HLS output; keep nginx-rtmp for HLS and push to rtmprecd for recording, or make HLS from each file with exec_record_done in t.conf:2`},
		{"ignored recorder", app("recorder r { record all; record_path /r; on_record_started http://h/; }"),
			`"on_record_started" directive is ignored by rtmprecd: not run; use exec_publish or on_publish, or exec_record_done or on_record_done once a file is complete in t.conf:2`},
		{"ignored http", "http { server { listen 8080; location / { gzip on; } } }", `"gzip" directive is ignored by rtmprecd: responses are not compressed in t.conf:1`},
		{"ignored http error_log", "http { error_log x; server { listen 8080; } }", `"error_log" directive is ignored by rtmprecd: no HTTP access log; HTTP errors go to the top-level error_log in t.conf:1`},
		{"listen param", "rtmp { server { listen 1935 so_keepalive=on; } }", `"so_keepalive=on" parameter of "listen" is ignored by rtmprecd in t.conf:1`},
		{"allow play", app("allow play all;"), `"allow play" directive is ignored by rtmprecd: rtmprecd serves no players in t.conf:2`},
		{"no listen", "rtmp {\nserver { } }", `rtmp server has no "listen" and accepts no connections in t.conf:2`},
		{"http no listen", "http {\nserver { } }", `http server has no "listen" and accepts no connections in t.conf:2`},
		{"location exact", "http { server { listen 8080; location = /stat { rtmp_stat all; } } }",
			`location modifier "=" is ignored by rtmprecd, "/stat" is matched as a prefix in t.conf:1`},
		{"location regex", "http { server { listen 8080; location ~* \\.php$ { fastcgi_pass x; recrod on; } } }",
			`regular expression location "\\.php$" is ignored by rtmprecd in t.conf:1`},
		{"empty recorder", app("recorder r {}"), `recorder "r" has no "record" directive and records nothing in t.conf:2`},
		{"record manual alone", app("recorder r { record manual; record_path /r; }"),
			`recorder "r" has "record manual" without "all", "audio", "video" or "keyframes" and records nothing in t.conf:2`},
		{"record manual alone inherited, once", "rtmp {\nrecord manual;\nrecord_path /r;\nserver { listen 1935;\napplication a { }\napplication b { } } }",
			`the inline recorder has "record manual" without "all", "audio", "video" or "keyframes" and records nothing in t.conf:2`},
		{"nginx pid", "pid /run/nginx.pid;",
			`"pid" points at nginx's pid file "/run/nginx.pid": nginx writes and removes it too, so rtmprecd refuses to start while nginx runs; give rtmprecd its own, such as /run/rtmprecd/rtmprecd.pid in t.conf:1`},
		{"nginx pid var run", "\npid /var/run/nginx.pid;",
			`"pid" points at nginx's pid file "/var/run/nginx.pid": nginx writes and removes it too, so rtmprecd refuses to start while nginx runs; give rtmprecd its own, such as /run/rtmprecd/rtmprecd.pid in t.conf:2`},
		{"nginx pid relative", "pid logs/nginx.pid;",
			`"pid" points at nginx's pid file "logs/nginx.pid": nginx writes and removes it too, so rtmprecd refuses to start while nginx runs; give rtmprecd its own, such as /run/rtmprecd/rtmprecd.pid in t.conf:1`},
		{"nginx error_log", "error_log /var/log/nginx/error.log warn;",
			`"error_log" points at nginx's log file "/var/log/nginx/error.log": nginx writes it too, and nginx's logrotate signals only nginx; give rtmprecd its own, such as /var/log/rtmprecd/rtmprecd.log in t.conf:1`},
		{"nginx error_log prefix", "error_log /usr/local/nginx/logs/error.log;",
			`"error_log" points at nginx's log file "/usr/local/nginx/logs/error.log": nginx writes it too, and nginx's logrotate signals only nginx; give rtmprecd its own, such as /var/log/rtmprecd/rtmprecd.log in t.conf:1`},
		{"own files", "pid /run/rtmprecd/rtmprecd.pid; error_log /var/log/rtmprecd/nginx-like.log;", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustLoad(t, tt.src)
			var got []string
			for _, w := range cfg.Warnings {
				got = append(got, w.String())
			}
			if strings.Join(got, "\n") != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
