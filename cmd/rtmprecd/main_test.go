package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
)

func writeConf(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "rtmprecd.conf")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodConf = `worker_processes 1;
rtmp { server { listen 127.0.0.1:0; application live { record all; record_path rec; } } }
`

func TestRun(t *testing.T) {
	good := writeConf(t, goodConf)
	bad := writeConf(t, "rtmp {\n  recrod all;\n}\n")
	missing := filepath.Join(t.TempDir(), "missing.conf")
	missingInc := writeConf(t, "include nope.conf;\n")
	badLog := writeConf(t, "error_log "+filepath.Join(missing, "x.log")+";\n")
	manualAlone := writeConf(t, "rtmp { server { listen 127.0.0.1:0; application live { record manual; record_path rec; } } }\n")
	nginxFiles := writeConf(t, "pid /run/nginx.pid;\nerror_log /var/log/nginx/error.log;\n")
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // exact
		stderr     string // exact
		stdoutPart string
	}{
		{name: "version", args: []string{"-v"}, code: 0, stdout: "rtmprecd version dev\n"},
		{name: "unknown flag", args: []string{"-x"}, code: 2, stderr: "rtmprecd: flag provided but not defined: -x\n"},
		{name: "flag without value", args: []string{"-c"}, code: 2, stderr: "rtmprecd: flag needs an argument: -c\n"},
		{name: "extra argument", args: []string{"-t", "stop"}, code: 2, stderr: "rtmprecd: unexpected argument \"stop\"\n"},
		{name: "missing file", args: []string{"-t", "-c", missing}, code: 2,
			stderr: "rtmprecd: open() \"" + missing + "\" failed (no such file or directory)\n"},
		{name: "missing file daemon", args: []string{"-c", missing}, code: 2,
			stderr: "rtmprecd: open() \"" + missing + "\" failed (no such file or directory)\n"},
		{name: "test ok", args: []string{"-t", "-c", good}, code: 0,
			stderr: "rtmprecd: [warn] \"worker_processes\" directive is ignored by rtmprecd: nginx process tuning with no counterpart: rtmprecd is one process that uses every core in " + good + ":1\n" +
				"rtmprecd: configuration file " + good + " test is successful\n"},
		{name: "test warns of record manual alone", args: []string{"-t", "-c", manualAlone}, code: 0,
			stderr: "rtmprecd: [warn] the inline recorder has \"record manual\" without \"all\", \"audio\", \"video\" or \"keyframes\" and records nothing in " + manualAlone + ":1\n" +
				"rtmprecd: configuration file " + manualAlone + " test is successful\n"},
		{name: "test failed", args: []string{"-c", bad, "-t"}, code: 1,
			stderr: "rtmprecd: [emerg] unknown directive \"recrod\" in " + bad + ":2\n" +
				"rtmprecd: configuration file " + bad + " test failed\n"},
		{name: "daemon bad config", args: []string{"-c", bad}, code: 1,
			stderr: "rtmprecd: [emerg] unknown directive \"recrod\" in " + bad + ":2\n"},
		{name: "daemon bad error_log", args: []string{"-c", badLog}, code: 1,
			stderr: "rtmprecd: [emerg] error_log: open " + filepath.Join(missing, "x.log") + ": no such file or directory\n"},
		{name: "missing include", args: []string{"-t", "-c", missingInc}, code: 1,
			stderr: "rtmprecd: [emerg] open() \"" + filepath.Join(filepath.Dir(missingInc), "nope.conf") + "\" failed (no such file or directory) in " + missingInc + ":1\n" +
				"rtmprecd: configuration file " + missingInc + " test failed\n"},
		{name: "test nginx's files", args: []string{"-t", "-c", nginxFiles}, code: 0,
			stderr: "rtmprecd: [warn] \"pid\" points at nginx's pid file \"/run/nginx.pid\": nginx writes and removes it too, so rtmprecd refuses to start while nginx runs; give rtmprecd its own, such as /run/rtmprecd/rtmprecd.pid in " + nginxFiles + ":1\n" +
				"rtmprecd: [warn] \"error_log\" points at nginx's log file \"/var/log/nginx/error.log\": nginx writes it too, and nginx's logrotate signals only nginx; give rtmprecd its own, such as /var/log/rtmprecd/rtmprecd.log in " + nginxFiles + ":2\n" +
				"rtmprecd: configuration file " + nginxFiles + " test is successful\n"},
		{name: "dump", args: []string{"-T", "-c", good}, code: 0, stdoutPart: "record_path rec;\n"},
		{name: "dump failed", args: []string{"-T", "-c", bad}, code: 1,
			stderr: "rtmprecd: [emerg] unknown directive \"recrod\" in " + bad + ":2\n" +
				"rtmprecd: configuration file " + bad + " test failed\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tt.args, &out, &errb)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tt.code, errb.String())
			}
			if tt.stdoutPart != "" {
				if !strings.Contains(out.String(), tt.stdoutPart) {
					t.Errorf("stdout %q lacks %q", out.String(), tt.stdoutPart)
				}
			} else if out.String() != tt.stdout {
				t.Errorf("stdout %q, want %q", out.String(), tt.stdout)
			}
			if tt.stderr != "" && errb.String() != tt.stderr {
				t.Errorf("stderr\n got %q\nwant %q", errb.String(), tt.stderr)
			}
		})
	}
}

// TestDumpLoads: -T prints a configuration that loads to the same hash.
func TestDumpLoads(t *testing.T) {
	good := writeConf(t, goodConf)
	var out, errb bytes.Buffer
	if code := run([]string{"-T", "-c", good}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	orig, err := conf.Load(good)
	if err != nil {
		t.Fatal(err)
	}
	again, err := conf.LoadBytes("dump.conf", out.Bytes())
	if err != nil {
		t.Fatalf("dump does not load: %v\n%s", err, out.String())
	}
	if again.Hash != orig.Hash || !strings.Contains(out.String(), orig.Hash) {
		t.Errorf("hash %s, want %s", again.Hash, orig.Hash)
	}
}

func TestHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-h"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(errb.String(), "usage: rtmprecd") || !strings.Contains(errb.String(), "/etc/rtmprecd/rtmprecd.conf") {
		t.Errorf("usage: %q", errb.String())
	}
}

func TestDefaultConfigPath(t *testing.T) {
	o, err := parseFlags(nil, &bytes.Buffer{})
	if err != nil || o.config != "/etc/rtmprecd/rtmprecd.conf" || o.test || o.dump || o.version {
		t.Fatalf("%+v %v", o, err)
	}
}

// TestLogger: error_log FILE LEVEL sends records at LEVEL and above to FILE.
func TestLogger(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "r.log")
	cfg, err := conf.LoadBytes("x.conf", []byte("error_log "+logFile+" warn;"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := newLogOutput(cfg, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	log := out.logger()
	log.Info("quiet")
	log.Warn("loud", "k", "v")
	out.Close()
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); strings.Contains(s, "quiet") || !strings.Contains(s, "level=WARN msg=loud k=v") {
		t.Errorf("log file: %q", s)
	}

	var stderr bytes.Buffer
	cfg, _ = conf.LoadBytes("x.conf", nil)
	out, _ = newLogOutput(cfg, &stderr)
	log = out.logger()
	log.Debug("hidden")
	log.Info("shown")
	out.Close()
	if s := stderr.String(); strings.Contains(s, "hidden") || !strings.Contains(s, "msg=shown") {
		t.Errorf("stderr: %q", s)
	}
}

func TestLogLevel(t *testing.T) {
	want := map[string]slog.Level{
		"debug": slog.LevelDebug, "info": slog.LevelInfo, "notice": slog.LevelInfo, "": slog.LevelInfo,
		"warn": slog.LevelWarn, "error": slog.LevelError, "crit": slog.LevelError, "alert": slog.LevelError, "emerg": slog.LevelError,
	}
	for in, w := range want {
		if got := logLevel(in); got != w {
			t.Errorf("logLevel(%q) = %v, want %v", in, got, w)
		}
	}
}
