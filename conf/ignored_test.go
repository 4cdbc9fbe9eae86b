package conf

import (
	"strings"
	"testing"
)

// TestIgnoredMessages: an ignored directive says what the user loses and
// what to use instead.
func TestIgnoredMessages(t *testing.T) {
	tests := []struct{ src, want string }{
		{app("hls on;"), `"hls" directive is ignored by rtmprecd: no live HLS output; keep nginx-rtmp for HLS and push to rtmprecd for recording, or make HLS from each file with exec_record_done`},
		{app("dash on;"), `"dash" directive is ignored by rtmprecd: no live DASH output; keep nginx-rtmp for DASH and push to rtmprecd for recording, or make DASH from each file with exec_record_done`},
		{app("push rtmp://backup/live;"), `"push" directive is ignored by rtmprecd: no relays: streams are not pushed to other servers; push from the encoder (or an nginx-rtmp in front) to rtmprecd and to the other server`},
		{app("pull rtmp://origin/live;"), `"pull" directive is ignored by rtmprecd: no relays: nothing is pulled from other servers; push the source to rtmprecd, e.g. ffmpeg -i SOURCE -c copy -f flv rtmp://HOST/APP/NAME`},
		{app("play /var/vod;"), `"play" directive is ignored by rtmprecd: no VOD: players get NetStream.Play.Failed; serve the recordings (seekable FLV files) over HTTP or with nginx`},
		{app("exec_push ffmpeg -i x;"), `"exec_push" directive is ignored by rtmprecd: the command is not run; use exec_publish for a command per publish, or exec_record_done for one per file`},
		{app("exec_static ffmpeg;"), `"exec_static" directive is ignored by rtmprecd: the command is not run; use exec_publish for a command per publish, or exec_record_done for one per file`},
		{app("on_play http://h/p;"), `"on_play" directive is ignored by rtmprecd: not run: rtmprecd serves no players`},
		{app("wait_key on;"), `"wait_key" directive is ignored by rtmprecd: a player setting, and rtmprecd serves no players`},
		{app("meta copy;"), `"meta" directive is ignored by rtmprecd: it only changes what players get, never the recordings`},
		{"rtmp { server { proxy_protocol on; } }", `"proxy_protocol" directive is ignored by rtmprecd: PROXY protocol headers are not read, so connections that send one fail; connect publishers directly or turn PROXY protocol off in the proxy`},
		{"user www-data;", `"user" directive is ignored by rtmprecd: rtmprecd keeps the user it was started as; start it as that user (dist/rtmprecd.service has User=rtmprecd)`},
		{"daemon off;", `"daemon" directive is ignored by rtmprecd: rtmprecd always runs in the foreground; run it under systemd (dist/rtmprecd.service) or another supervisor`},
		{"http { server { location /c { allow 127.0.0.1; } } }", `"allow" directive is ignored by rtmprecd: no address rules on HTTP; listen on 127.0.0.1 and set control_token`},
		{"http { server { ssl_certificate x.pem; } }", `"ssl_certificate" directive is ignored by rtmprecd: no TLS or HTTP/2: plain HTTP/1.1 only; listen on 127.0.0.1 and put a TLS proxy in front`},
		{"http { server { location /a { location /b { } } } }", `"location" directive is ignored by rtmprecd: nested locations are not matched; write them as locations of the server`},
	}
	for _, tt := range tests {
		cfg, err := LoadBytes("t.conf", []byte(tt.src))
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		var got []string
		for _, w := range cfg.Warnings {
			if strings.Contains(w.Msg, "is ignored by rtmprecd") {
				got = append(got, w.Msg)
			}
		}
		if len(got) != 1 || got[0] != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.src, got, tt.want)
		}
	}
}

// TestIgnoredOncePerName: a directive repeated in every block warns once,
// at its first occurrence; each other name still gets its own warning.
func TestIgnoredOncePerName(t *testing.T) {
	cfg := mustLoad(t, `rtmp { server { listen 1935;
		application a { hls on; hls_path /a; }
		application b { hls on;
			hls_path /b; }
	} }`)
	var got []string
	for _, w := range cfg.Warnings {
		got = append(got, w.Pos.FileLine()+" "+w.Msg[:strings.Index(w.Msg, ":")])
	}
	want := []string{`t.conf:2 "hls" directive is ignored by rtmprecd`, `t.conf:2 "hls_path" directive is ignored by rtmprecd`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestIgnoredGroupsExplained: every group says what is lost, in the
// phrasing the message and the README both use.
func TestIgnoredGroupsExplained(t *testing.T) {
	seen := map[string]ctx{}
	for _, g := range ignoredDirectives {
		if g.loss == "" || strings.HasSuffix(g.loss, ".") || strings.HasSuffix(g.instead, ".") || len(g.names) == 0 {
			t.Errorf("%v: loss %q, instead %q", g.names, g.loss, g.instead)
		}
		for _, n := range g.names {
			if seen[n]&g.ctx != 0 {
				t.Errorf("%s: in two groups for one context", n)
			}
			seen[n] |= g.ctx
		}
	}
}
