package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/bench/benchtest"
	"github.com/rtmprecd/rtmprecd/internal/bench/load"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage:"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{"help"}, 0, "rtmpbench compare"},
		{[]string{"push", "-h"}, 0, "usage: rtmpbench push"},
		{[]string{"push", "clip.flv"}, 2, "need -url and one clip"},
		{[]string{"push", "-url", "rtmp://127.0.0.1/live/x", "clip.flv"}, 2, "need -loops or -duration"},
		{[]string{"push", "-url", "rtmp://127.0.0.1/live/x", "-loops", "1", "/nonexistent.flv"}, 1, "no such file"},
		{[]string{"compare", "-fast", "x"}, 2, `-fast: "x" is not a stream count`},
		{[]string{"compare", "-clip", "TMP/c.flv", "-mkclip", "TMP/none.sh"}, 1, "none.sh"},
		{[]string{"compare", "extra"}, 2, `unexpected argument "extra"`},
	}
	tmp := t.TempDir()
	for _, tc := range tests {
		var out, errOut bytes.Buffer
		for i := range tc.args {
			tc.args[i] = strings.ReplaceAll(tc.args[i], "TMP", tmp)
		}
		code := run(context.Background(), tc.args, &out, &errOut)
		if code != tc.code || !strings.Contains(out.String()+errOut.String(), tc.want) {
			t.Errorf("rtmpbench %q = %d, output %q; want %d and %q", tc.args, code, out.String()+errOut.String(), tc.code, tc.want)
		}
	}
}

// TestPush publishes two streams of the test clip to our in-process
// server and checks the printed summary and the recordings' frame counts.
func TestPush(t *testing.T) {
	clip := testmedia.Clip(t)
	dir := t.TempDir()
	s, err := benchtest.Start(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"push", "-url", s.URL("p"), "-n", "2", "-loops", "1", clip}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errOut.String())
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	c, err := load.ReadClip(clip)
	if err != nil {
		t.Fatal(err)
	}
	if want := "streams 2, failed 0, frames " + itoa(2*(c.Video+c.Audio)); !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
	for _, name := range []string{"p-1", "p-2"} {
		f, err := flv.ReadFile(filepath.Join(dir, name+".flv"))
		if err != nil {
			t.Fatal(err)
		}
		var media int
		for _, tag := range f.Tags {
			if tag.Type != flv.TagScript && !tag.IsSeqHeader() {
				media++
			}
		}
		if media != c.Video+c.Audio {
			t.Errorf("%s: %d media tags, want %d", name, media, c.Video+c.Audio)
		}
	}
}

func TestCases(t *testing.T) {
	clip := &load.Clip{Bytes: 20e6}
	f := compareFlags{fast: "1, 10,100", fastMB: 1000, realtime: "10", escalate: "500", rtDuration: 30e9}
	cases, err := f.cases(clip)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cases {
		got = append(got, c.String()+map[bool]string{true: " +", false: ""}[c.Escalation])
	}
	want := "fast N=1 (50× clip)|fast N=10 (5× clip)|fast N=100 (1× clip)|real time N=10 (30s)|real time N=500 (30s) +"
	if strings.Join(got, "|") != want {
		t.Errorf("cases %q, want %q", strings.Join(got, "|"), want)
	}
	f.fast = "0"
	if _, err := f.cases(clip); err == nil || !strings.Contains(err.Error(), `"0" is not a stream count`) {
		t.Errorf("bad count: %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
