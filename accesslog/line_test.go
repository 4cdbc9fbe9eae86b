package accesslog

import (
	"strings"
	"testing"
	"time"
)

func TestAppendReadable(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"}, {999 * time.Millisecond, "0s"}, {59 * time.Second, "59s"}, {time.Minute, "1m 0s"},
		{time.Hour + 2*time.Second, "1h 0m 2s"}, {49*time.Hour + 3*time.Minute + 4*time.Second, "2d 1h 3m 4s"},
		{24 * time.Hour, "1d 0h 0m 0s"},
	}
	for _, tt := range tests {
		if got := string(appendReadable(nil, tt.d)); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.d, got, tt.want)
		}
	}
}

// TestAppendTextHostile: what a client chooses cannot break the line or a
// quoted field, and is bounded.
func TestAppendTextHostile(t *testing.T) {
	tests := []struct{ in, want string }{
		{"FMLE/3.0 (compatible; x)", "FMLE/3.0 (compatible; x)"},
		{"a\"b\\c", `a\x22b\x5Cc`},
		{"line\n127.0.0.1 [x] PUBLISH", `line\x0A127.0.0.1 [x] PUBLISH`},
		{"caf\xc3\xa9\x00\x7f", `caf\xC3\xA9\x00\x7F`},
		{strings.Repeat("a", 1000), strings.Repeat("a", maxText)},
	}
	for _, tt := range tests {
		if got := string(appendText(nil, tt.in, maxText)); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.in, got, tt.want)
		}
	}
}
