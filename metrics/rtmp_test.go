package metrics

import (
	"net"
	"testing"

	"github.com/rtmprecd/rtmprecd/rtmp"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

// TestServerProtectionSeries: a TCP health check (connect, close) is
// counted as a handshake closed by the client; the connection limit, the
// connections closed to make room under it, timestamp rebases and the
// bytes of unfinished messages are exported.
func TestServerProtectionSeries(t *testing.T) {
	cfg := loadConf(t, "rtmp { max_connections 3; server { listen 127.0.0.1:0; application live { } } }")
	reg := new(rtmp.Registry)
	ex := New(Options{Registry: reg})
	addr := startRTMP(t, cfg, reg, ex.Module())
	h := ex.Handler(false)

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	poll(t, h, "the health check counted and gone", func(f families) bool {
		v, _ := f.get("rtmprecd_rtmp_handshakes_incomplete_total", "how", "closed")
		n, _ := f.get("rtmprecd_connections")
		return v == 1 && n == 0
	})

	pub, id := publish(t, addr, "live", "cam")
	for i, ts := range []uint64{0, 40, 40 + 1<<31} { // the last one jumps 24.8 days
		if err := pub.WriteMedia(chunk.TypeVideo, id, ts, keyFrame); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	for range 4 { // idle connections past max_connections 3
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	f := poll(t, h, "a rebase and idle connections closed", func(f families) bool {
		r, _ := f.get("rtmprecd_rtmp_timestamp_rebases_total")
		s, _ := f.get("rtmprecd_rtmp_connections_shed_total", "reason", "idle_at_limit")
		return r == 1 && s == 2
	})
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"rtmprecd_rtmp_max_connections", nil, 3},
		{"rtmprecd_rtmp_partial_message_bytes", nil, 0},
		{"rtmprecd_rtmp_handshakes_incomplete_total", []string{"how", "timeout"}, 0},
		{"rtmprecd_rtmp_handshakes_incomplete_total", []string{"how", "invalid"}, 0},
		{"rtmprecd_rtmp_connections_shed_total", []string{"reason", "refused_at_limit"}, 0},
		{"rtmprecd_rtmp_connections_shed_total", []string{"reason", "timestamp_jumps"}, 0},
	} {
		if got := f.value(t, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}
