package conf

import (
	"reflect"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	cfg := mustLoad(t, "rtmp { server { listen 1935; application live {} } }")
	if cfg.ShutdownTimeout != 10*time.Second || cfg.ConfigWatch || cfg.ErrorLog != "" || cfg.ErrorLogLevel != "info" || cfg.Pid != "" {
		t.Errorf("top level defaults: %+v", cfg)
	}
	s := cfg.Servers[0]
	want := Server{Index: 0, Pos: s.Pos, Listen: s.Listen, ChunkSize: 4096, MaxMessage: 1 << 20, Timeout: time.Minute,
		Ping: time.Minute, PingTimeout: 30 * time.Second, MaxStreams: 32, AckWindow: 5000000, Applications: s.Applications}
	if !reflect.DeepEqual(*s, want) {
		t.Errorf("server defaults:\n got %+v\nwant %+v", *s, want)
	}
	if s.Listen[0].Addr != ":1935" {
		t.Errorf("listen = %q", s.Listen[0].Addr)
	}
	a := s.Applications[0]
	n := Notify{Method: "post", UpdateTimeout: 30 * time.Second, NetcallTimeout: 10 * time.Second}
	if a.Name != "live" || a.Live || a.DropIdlePublisher != 0 || a.Notify != n || len(a.Recorders) != 0 || len(a.Access) != 0 {
		t.Errorf("application defaults: %+v", a)
	}
}

// TestRecordInheritance follows nginx-rtmp: a block without record inherits
// the parent's whole set, a block with record replaces it, lines in one
// block accumulate.
func TestRecordInheritance(t *testing.T) {
	cfg := mustLoad(t, `rtmp {
		record video; record_path /rtmp; record_max_size 1m; record_interval 0;
		server { listen 1935; record_suffix -%s.flv;
			application inherit {}
			application own { record audio; record manual; record_path /own; }
			application named {
				record_unique on;
				recorder a { record keyframes; record_path /a; }
				recorder b { record_path /b; record_append on; record_interval 1m30s; }
			}
		}
	}`)
	apps := cfg.Servers[0].Applications
	in := apps[0].Recorders
	if len(in) != 1 || in[0].Name != "" || in[0].Flags != RecordVideo || in[0].Path != "/rtmp" ||
		in[0].Suffix != "-%s.flv" || in[0].SuffixFormat == nil || in[0].MaxSize != 1<<20 || !in[0].IntervalSet || in[0].Interval != 0 {
		t.Errorf("inherit: %+v", in[0])
	}
	own := apps[1].Recorders[0]
	if own.Flags != RecordAudio|RecordManual || own.Path != "/own" {
		t.Errorf("own: %+v", own)
	}
	rs := apps[2].Recorders
	if len(rs) != 3 || rs[0].Name != "a" || rs[1].Name != "b" || rs[2].Name != "" {
		t.Fatalf("order: %+v", rs)
	}
	if rs[0].Flags != RecordKeyframes || rs[0].Path != "/a" || !rs[0].Unique {
		t.Errorf("a: %+v", rs[0])
	}
	if rs[1].Flags != RecordVideo || !rs[1].Append || rs[1].Interval != 90*time.Second || !rs[1].Unique {
		t.Errorf("b: %+v", rs[1])
	}
	if apps[2].Recorder("b") != rs[1] || apps[2].Recorder("") != rs[2] || apps[2].Recorder("zz") != nil {
		t.Error("Recorder lookup")
	}
}

func TestInlineRecorderOnlyWhenRecording(t *testing.T) {
	cfg := mustLoad(t, app("record_path /r;\nrecorder a { record all; record_suffix .a.flv; }"))
	rs := cfg.Servers[0].Applications[0].Recorders
	if len(rs) != 1 || rs[0].Name != "a" {
		t.Fatalf("recorders: %+v", rs)
	}
	// record off makes a node that never records, as nginx-rtmp
	cfg = mustLoad(t, app("record off;"))
	rs = cfg.Servers[0].Applications[0].Recorders
	if len(rs) != 1 || rs[0].Flags != RecordOff {
		t.Fatalf("record off: %+v", rs)
	}
}

func TestNotifyAndExecMerge(t *testing.T) {
	cfg := mustLoad(t, `rtmp {
		on_publish http://h/rtmp; exec_publish /bin/rtmp; exec_record_done /bin/r0;
		server { listen 1935; on_connect h:81/c; notify_method GET; netcall_timeout 2s;
			exec_publish /bin/srv a b;
			application a { on_publish http://h/app; exec_publish /bin/app; exec_publish_done /bin/d;
				exec_record_done /bin/r1; on_record_done http://h/rd; record all; record_path /r;
				recorder x { record audio; record_path /x; on_record_done http://h/x; exec_record_done /bin/r2; }
			}
			application b { notify_method post; }
		}
	}`)
	a, b := cfg.Servers[0].Applications[0], cfg.Servers[0].Applications[1]
	if a.Notify.OnPublish != "http://h/app" || b.Notify.OnPublish != "http://h/rtmp" {
		t.Errorf("on_publish override: %q %q", a.Notify.OnPublish, b.Notify.OnPublish)
	}
	if a.Notify.OnConnect != "http://h:81/c" || a.Notify.Method != "get" || b.Notify.Method != "post" || a.Notify.NetcallTimeout != 2*time.Second {
		t.Errorf("notify: %+v / %+v", a.Notify, b.Notify)
	}
	if got := cmdNames(a.Exec.Publish); !reflect.DeepEqual(got, []string{"/bin/rtmp", "/bin/srv", "/bin/app"}) {
		t.Errorf("exec_publish additive: %v", got)
	}
	if got := a.Exec.Publish[1].Args; !reflect.DeepEqual(got, []string{"/bin/srv", "a", "b"}) {
		t.Errorf("args: %v", got)
	}
	x, inline := a.Recorder("x"), a.Recorder("")
	if x.OnRecordDone != "http://h/x" || inline.OnRecordDone != "http://h/rd" {
		t.Errorf("on_record_done: %q %q", x.OnRecordDone, inline.OnRecordDone)
	}
	if got := cmdNames(x.ExecRecordDone); !reflect.DeepEqual(got, []string{"/bin/r0", "/bin/r1", "/bin/r2"}) {
		t.Errorf("recorder exec_record_done: %v", got)
	}
	if got := cmdNames(inline.ExecRecordDone); !reflect.DeepEqual(got, []string{"/bin/r0", "/bin/r1"}) {
		t.Errorf("inline exec_record_done: %v", got)
	}
}

func cmdNames(cs []Command) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Args[0])
	}
	return out
}

// TestAccessMerge: own rules first, then the parent's, as nginx-rtmp.
func TestAccessMerge(t *testing.T) {
	cfg := mustLoad(t, `rtmp { server { listen 1935; deny publish all;
		application a { allow publish 10.1.2.3/8; allow ::1; deny play 1.2.3.4; }
		application b {} } }`)
	a, b := cfg.Servers[0].Applications[0], cfg.Servers[0].Applications[1]
	want := []AccessRule{
		{Allow: true, Publish: true, CIDR: "10.0.0.0/8"},
		{Allow: true, Publish: true, Play: true, CIDR: "::1/128"},
		{Publish: true, All: true},
	}
	if !reflect.DeepEqual(a.Access, want) {
		t.Errorf("a: %+v", a.Access)
	}
	if !reflect.DeepEqual(b.Access, want[2:]) {
		t.Errorf("b: %+v", b.Access)
	}
	if len(cfg.Warnings) != 1 || cfg.Warnings[0].String() != `"deny play" directive is ignored by rtmprecd: rtmprecd serves no players in t.conf:2` {
		t.Errorf("warnings: %v", cfg.Warnings)
	}
}

func TestHTTP(t *testing.T) {
	cfg := mustLoad(t, `http { control_token top;
		server { listen 127.0.0.1:0; listen [::1]:8080 default_server;
			location /control { rtmp_control record drop; rtmp_control record; }
			location /stat { rtmp_stat all; control_token mine; }
			location /metrics { rtmp_metrics on; metrics_per_stream on; }
		}
		server { listen 8081; control_token srv; location / {} } }`)
	h := cfg.HTTP
	if len(h) != 2 || h[0].ControlToken != "top" || h[1].ControlToken != "srv" {
		t.Fatalf("servers: %+v", h)
	}
	if h[0].Listen[0].Addr != "127.0.0.1:0" || h[0].Listen[1].Addr != "[::1]:8080" {
		t.Errorf("listen: %+v", h[0].Listen)
	}
	l := h[0].Locations
	if l[0].Path != "/control" || !reflect.DeepEqual(l[0].Control, []string{"record", "drop"}) || l[0].ControlToken != "top" {
		t.Errorf("control: %+v", l[0])
	}
	if !reflect.DeepEqual(l[1].Stat, []string{"all"}) || l[1].ControlToken != "mine" || l[1].Metrics {
		t.Errorf("stat: %+v", l[1])
	}
	if !l[2].Metrics || !l[2].PerStream || h[1].Locations[0].ControlToken != "srv" {
		t.Errorf("metrics: %+v", l[2])
	}
	if len(cfg.Warnings) != 1 || cfg.Warnings[0].Msg != `"default_server" parameter of "listen" is ignored by rtmprecd` {
		t.Errorf("warnings: %v", cfg.Warnings)
	}
}

func TestTopLevel(t *testing.T) {
	cfg := mustLoad(t, "pid /run/r.pid; error_log /var/log/r.log WARN; config_watch on; shutdown_timeout 1m30s;")
	if cfg.Pid != "/run/r.pid" || cfg.ErrorLog != "/var/log/r.log" || cfg.ErrorLogLevel != "warn" || !cfg.ConfigWatch || cfg.ShutdownTimeout != 90*time.Second {
		t.Errorf("%+v", cfg)
	}
	cfg = mustLoad(t, "error_log stderr;")
	if cfg.ErrorLog != "" || cfg.ErrorLogLevel != "info" {
		t.Errorf("stderr: %+v", cfg)
	}
}

// TestHashMeaning: the hash follows meaning, not spelling or layout.
func TestHashMeaning(t *testing.T) {
	a := mustLoad(t, "rtmp { server { listen 1935; application a { record all; record_path /r; } } } http { server { listen 8080; } }")
	b := mustLoad(t, `# same, spelled differently
		http { server { listen *:8080; } }
		rtmp { record AUDIO; record video; record_path /r; max_message 1024K; timeout 1m;
			server { listen 1935; chunk_size 4096; application a { } } }
		events { worker_connections 10; }`)
	if a.Hash != b.Hash {
		t.Errorf("hashes differ:\n%s\n---\n%s", a.Dump(), b.Dump())
	}
	c := mustLoad(t, "rtmp { server { listen 1935; application a { record all; record_path /r2; } } } http { server { listen 8080; } }")
	if c.Hash == a.Hash {
		t.Error("different record_path, same hash")
	}
	if len(a.Hash) != 64 {
		t.Errorf("hash %q", a.Hash)
	}
}

// TestMaxConnections: max_connections is read in the rtmp block, auto is
// 0 (the RTMP server derives the bound), and a change reaches the hash, so
// that a reload does not skip it as unchanged.
func TestMaxConnections(t *testing.T) {
	const srv = " server { listen 1935; application a { } } }"
	unset := mustLoad(t, "rtmp {"+srv)
	auto := mustLoad(t, "rtmp { max_connections auto;"+srv)
	n500 := mustLoad(t, "rtmp { max_connections 500;"+srv)
	n501 := mustLoad(t, "rtmp { max_connections 501;"+srv)
	if unset.MaxConnections != 0 || auto.MaxConnections != 0 || n500.MaxConnections != 500 {
		t.Errorf("MaxConnections: unset %d, auto %d, 500 %d", unset.MaxConnections, auto.MaxConnections, n500.MaxConnections)
	}
	if unset.Hash != auto.Hash {
		t.Error("auto and unset hash differently")
	}
	if n500.Hash == auto.Hash || n500.Hash == n501.Hash {
		t.Errorf("a changed max_connections keeps the hash:\n%s", n500.Dump())
	}
}
