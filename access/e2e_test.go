package access

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testserver"
	"github.com/rtmprecd/rtmprecd/rtmp"
	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

// publishWith runs the real server with the access module and the given
// rules, and publishes from 127.0.0.1.
func publishWith(t *testing.T, lines string) error {
	t.Helper()
	src := fmt.Sprintf("rtmp { server { listen 127.0.0.1:1935; application live { %s } } }", lines)
	addr := testserver.Start(t, testserver.Options{Config: src, Modules: []rtmp.Module{Module{}},
		Logger: slog.New(slog.DiscardHandler), ShutdownTimeout: 5 * time.Second}).Addr()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, addr, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Connect(ctx, "live", "rtmp://"+addr+"/live", nil); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.StartPublish(ctx, "cam", "live")
	return err
}

func TestE2E(t *testing.T) {
	tests := []struct {
		rules  string
		denied bool
	}{
		{"", false},
		{"deny publish 127.0.0.1;", true},
		{"allow publish 127.0.0.0/8; deny publish all;", false},
		{"deny publish 10.0.0.0/8; allow publish all;", false},
		{"allow publish 10.0.0.0/8; deny all;", true},
	}
	for _, tt := range tests {
		err := publishWith(t, tt.rules)
		var se *client.StatusError
		switch {
		case tt.denied && (!errors.As(err, &se) || se.Status.Code != "NetStream.Publish.Denied" || se.Status.Level != "error"):
			t.Errorf("%q: publish = %v, want NetStream.Publish.Denied", tt.rules, err)
		case !tt.denied && err != nil:
			t.Errorf("%q: publish = %v", tt.rules, err)
		}
	}
}
