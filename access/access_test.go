package access

import (
	"fmt"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
)

// rules loads an application with the given allow/deny lines.
func rules(t *testing.T, lines string) []conf.AccessRule {
	t.Helper()
	src := fmt.Sprintf("rtmp { server { listen 127.0.0.1:1935; application live { %s } } }", lines)
	cfg, err := conf.LoadBytes("t.conf", []byte(src))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg.Servers[0].Applications[0].Access
}

func TestAllowed(t *testing.T) {
	tests := []struct {
		name  string
		rules string
		addr  string
		want  bool
	}{
		{"no rules", "", "10.1.2.3", true},
		{"deny all", "deny publish all;", "10.1.2.3", false},
		{"deny all two-word", "deny all;", "127.0.0.1", false},
		{"first match allows", "allow publish 127.0.0.1; deny publish all;", "127.0.0.1", true},
		{"first match denies", "allow publish 127.0.0.1; deny publish all;", "127.0.0.2", false},
		{"order matters", "deny publish all; allow publish 127.0.0.1;", "127.0.0.1", false},
		{"cidr inside", "allow publish 10.0.0.0/8; deny publish all;", "10.200.3.4", true},
		{"cidr outside", "allow publish 10.0.0.0/8; deny publish all;", "11.0.0.1", false},
		{"unmasked cidr", "deny publish 192.168.1.77/24;", "192.168.1.5", false},
		{"no match allows", "deny publish 10.0.0.0/8;", "192.168.1.5", true},
		{"mapped ipv6 client vs ipv4 rule", "deny publish 10.0.0.0/8;", "::ffff:10.1.1.1", false},
		{"mapped ipv6 client allowed", "allow publish 10.0.0.0/8; deny publish all;", "::ffff:10.1.1.1", true},
		{"mapped ipv6 rule", "deny publish ::ffff:10.0.0.0/104;", "10.9.9.9", false},
		{"ipv6 rule", "allow publish 2001:db8::/32; deny publish all;", "2001:db8::1", true},
		{"ipv6 rule vs ipv4 client", "deny publish ::/0;", "10.0.0.1", true},
		{"ipv6 loopback", "deny publish ::1;", "::1", false},
		{"zone ignored", "deny publish fe80::/10;", "fe80::1%eth0", false},
		{"play rules ignored", "deny play all;", "10.0.0.1", true},
		{"unparsable client allowed", "deny publish all;", "", true},
		{"unix socket allowed", "deny publish all;", "@", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Allowed(rules(t, tt.rules), tt.addr, true); got != tt.want {
				t.Errorf("Allowed(%q, %q) = %v, want %v", tt.rules, tt.addr, got, tt.want)
			}
		})
	}
}

func TestMatchPlayRole(t *testing.T) {
	rs := []conf.AccessRule{
		{Allow: false, Publish: true, CIDR: "10.0.0.0/8"},
		{Allow: true, Play: true, All: true},
	}
	if i := Match(rs, "10.0.0.1", false); i != 1 {
		t.Errorf("play match = %d, want 1 (publish-only rule skipped)", i)
	}
	if i := Match(rs, "10.0.0.1", true); i != 0 {
		t.Errorf("publish match = %d, want 0", i)
	}
	if i := Match(rs, "192.0.2.1", true); i != -1 {
		t.Errorf("publish match = %d, want -1", i)
	}
}

func TestHookError(t *testing.T) {
	h := &hook{rules: rules(t, "allow publish 127.0.0.1; deny publish 10.0.0.0/8;"), addr: "10.1.1.1"}
	err := h.OnPublish(t.Context(), nil)
	if err == nil || err.Error() != "access forbidden by rule (deny 10.0.0.0/8, client 10.1.1.1)" {
		t.Fatalf("OnPublish = %v", err)
	}
	h.addr = "127.0.0.1"
	if err := h.OnPublish(t.Context(), nil); err != nil {
		t.Fatalf("OnPublish allowed address = %v", err)
	}
}
