package conf

import (
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"512", 512, true}, {"10k", 10240, true}, {"10K", 10240, true},
		{"1m", 1 << 20, true}, {"1M", 1 << 20, true}, {"100M", 100 << 20, true},
		{"1G", 0, false}, {"1g", 0, false}, {"", 0, false}, {"k", 0, false}, {"-1", 0, false},
		{"1.5M", 0, false}, {" 1", 0, false}, {"10X", 0, false},
		{"99999999999999999999", 0, false}, {"9007199254740992M", 0, false},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseTime(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true}, {"30", 30 * time.Second, true}, {"500ms", 500 * time.Millisecond, true},
		{"30s", 30 * time.Second, true}, {"1m30s", 90 * time.Second, true}, {"1m30", 90 * time.Second, true},
		{"2h", 2 * time.Hour, true}, {"1d", day, true}, {"1w", 7 * day, true}, {"1M", 30 * day, true},
		{"1y", 365 * day, true}, {"1h 30m", 90 * time.Minute, true}, {"1s500ms", 1500 * time.Millisecond, true},
		{"", 0, false}, {"s", 0, false}, {"30s1m", 0, false}, {"1m1m", 0, false}, {"5x", 0, false},
		{"1.5s", 0, false}, {"-1s", 0, false}, {"1ms1s", 0, false}, {"9999999999999999y", 0, false},
	}
	for _, tt := range tests {
		got, err := parseTime(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseTime(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestFormatRoundTrip(t *testing.T) {
	for _, d := range []time.Duration{0, time.Millisecond, 90 * time.Second, 25*time.Hour + 1500*time.Millisecond, 400 * 24 * time.Hour} {
		got, err := parseTime(formatTime(d))
		if err != nil || got != d {
			t.Errorf("time %v -> %q -> %v, %v", d, formatTime(d), got, err)
		}
	}
	for _, n := range []int64{0, 1, 1024, 1536, 1 << 20, 3 << 30} {
		got, err := parseSize(formatSize(n))
		if err != nil || got != n {
			t.Errorf("size %d -> %q -> %d, %v", n, formatSize(n), got, err)
		}
	}
}

// TestSuffixStrftime pins the strftime library's behaviour we rely on:
// unknown verbs are refused at load time, %s is Unix seconds.
func TestSuffixStrftime(t *testing.T) {
	at := time.Date(2026, 11, 22, 18, 23, 38, 0, time.UTC)
	tests := []struct {
		pattern, want string
		ok            bool
	}{
		{"-%Y%m%d-%H%M%S.flv", "-20261122-182338.flv", true},
		{"-%d-%b-%y-%T.flv", "-22-Nov-26-18:23:38.flv", true},
		{"-%s.flv", "-1795371818.flv", true},
		{"/%Y/%m/x.flv", "/2026/11/x.flv", true},
		{"%%.flv", "%.flv", true},
		{"-%Q.flv", "", false}, {"-%E.flv", "", false}, {"x%", "", false}, {"%-", "", false},
	}
	for _, tt := range tests {
		f, err := compileSuffix(tt.pattern)
		if (err == nil) != tt.ok {
			t.Errorf("compileSuffix(%q) err = %v, want ok=%v", tt.pattern, err, tt.ok)
			continue
		}
		if err == nil {
			if got := string(f.FormatBuffer(nil, at)); got != tt.want {
				t.Errorf("%q formats %q, want %q", tt.pattern, got, tt.want)
			}
		}
	}
	if f, err := compileSuffix(".flv"); f != nil || err != nil {
		t.Errorf("plain suffix compiled: %v %v", f, err)
	}
}

func TestParseListen(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1935", ":1935"}, {"0", ":0"}, {"*:1935", ":1935"}, {"127.0.0.1:1935", "127.0.0.1:1935"},
		{"[::1]:1935", "[::1]:1935"}, {"localhost:1935", "localhost:1935"}, {"127.0.0.1:0", "127.0.0.1:0"},
	}
	for _, tt := range tests {
		got, err := parseListen(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseListen(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "65536", "127.0.0.1", "[::1]", "::1:1935", "h:x", "a b:1"} {
		if got, err := parseListen(bad); err == nil {
			t.Errorf("parseListen(%q) = %q, want error", bad, got)
		}
	}
}
