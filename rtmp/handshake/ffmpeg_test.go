package handshake_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testenv"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
	"github.com/rtmprecd/rtmprecd/rtmp/handshake"
)

// ffmpegPath finds ffmpeg; under CI=true its absence fails the test.
func ffmpegPath(t *testing.T) string {
	t.Helper()
	return testenv.Tool(t, "ffmpeg")
}

// TestFFmpegHandshake runs ffmpeg against Server, publishing and playing.
// ffmpeg sends a digest C1 both ways; when playing it also validates S1's
// digest and S2's signature and gives up before connect if either is wrong,
// so reading its connect command proves the digest answer is right.
func TestFFmpegHandshake(t *testing.T) {
	bin := ffmpegPath(t)
	cases := []struct {
		name string
		args func(url string) []string
	}{
		{"publish", func(url string) []string {
			return []string{"-f", "lavfi", "-i", "testsrc=size=32x32:rate=5", "-t", "1", "-c:v", "flv", "-f", "flv", url}
		}},
		{"play", func(url string) []string {
			return []string{"-i", url, "-t", "1", "-f", "null", "-"}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			url := fmt.Sprintf("rtmp://%s/app/x", ln.Addr())
			args := append([]string{"-hide_banner", "-loglevel", "error", "-nostdin"}, tc.args(url)...)
			cmd := exec.CommandContext(ctx, bin, args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { cancel(); cmd.Wait() }()
			conn, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			info, err := handshake.Serve(conn)
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			if !info.Digest {
				t.Errorf("ffmpeg's digest C1 not recognised (version %v)", info.ClientVersion)
			}
			r := chunk.NewReader(bufio.NewReader(conn), 0)
			m, err := r.ReadMessage()
			if err != nil {
				t.Fatalf("first message: %v (ffmpeg: %s)", err, stderr.String())
			}
			if m.Type != chunk.TypeCommandAMF0 || !bytes.Contains(m.Payload, []byte("connect")) {
				t.Fatalf("first message type %d payload %q, want connect", m.Type, m.Payload)
			}
		})
	}
}
