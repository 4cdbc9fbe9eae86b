package testserver

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

const config = "rtmp { server { listen 127.0.0.1:0; application live { live on; } } }"

// TestStartPublishStop publishes with the test client against a server
// started from text and from a Source, and checks the registry, the URL,
// that Stop drains the disconnected publisher and that a second Stop is a
// no-op.
func TestStartPublishStop(t *testing.T) {
	cfg, err := conf.LoadBytes("test.conf", []byte(config))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts Options
	}{
		{"text", Options{Config: config, Drain: 10 * time.Second}},
		{"source", Options{Source: func() *conf.Config { return cfg }, Drain: 10 * time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Start(t, tc.opts)
			if want := fmt.Sprintf("rtmp://%s/live/cam", s.Addr()); s.URL("live", "cam") != want {
				t.Errorf("URL = %q, want %q", s.URL("live", "cam"), want)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			c, err := client.Dial(ctx, s.Addr(), client.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Connect(ctx, "live", "rtmp://"+s.Addr()+"/live", nil); err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.StartPublish(ctx, "cam", "live"); err != nil {
				t.Fatal(err)
			}
			if s.Registry().Lookup("live", "cam") == nil {
				t.Fatal("live/cam not in the registry")
			}
			c.Close()
			s.Stop()
			if n := len(s.Registry().Sessions()); n != 0 {
				t.Errorf("%d sessions after Stop", n)
			}
			if !strings.Contains(s.Logs().String(), "cam") {
				t.Errorf("log does not mention the stream:\n%s", s.Logs())
			}
			s.Stop()
		})
	}
}

// TestLogBuffer writes from several goroutines (the race detector checks
// the locking) and reads the lines back.
func TestLogBuffer(t *testing.T) {
	var l LogBuffer
	log := l.Logger(slog.LevelInfo)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			log.Info("line", "i", i)
			log.Debug("hidden")
			_ = l.String()
		})
	}
	wg.Wait()
	if got := strings.Count(l.String(), "msg=line"); got != 8 {
		t.Errorf("%d lines, want 8:\n%s", got, l.String())
	}
	if strings.Contains(l.String(), "hidden") || l.Len() != len(l.String()) {
		t.Errorf("debug line logged or Len wrong:\n%s", l.String())
	}
}
