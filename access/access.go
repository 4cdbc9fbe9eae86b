// Package access is the allow/deny module: nginx-rtmp's
// `allow|deny [publish] ADDR|CIDR|all` rules, checked when a client
// publishes.
//
// It runs in the OnPublish phase after notify and before the recorders,
// so a denied publisher gets NetStream.Publish.Denied and never has a file
// opened for it (nginx-rtmp chains its handlers so that access is checked
// after the recorder opened, and truncated, the file).
package access

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// ErrForbidden is the error of a denied publish, as nginx-rtmp words it.
var ErrForbidden = errors.New("access forbidden by rule")

// Module checks the application's rules on every publish. Its zero value
// is ready to use.
type Module struct{}

var _ rtmp.Module = Module{}

// Name returns "access".
func (Module) Name() string { return "access" }

// Hook returns no hooks when the application has no publish rule.
func (Module) Hook(s *rtmp.Session) rtmp.Hooks {
	app := s.App()
	if app == nil || !hasPublishRule(app.Access) {
		return rtmp.Hooks{}
	}
	return rtmp.Hooks{Publish: &hook{rules: app.Access, addr: s.Addr()}}
}

func hasPublishRule(rules []conf.AccessRule) bool {
	for _, r := range rules {
		if r.Publish {
			return true
		}
	}
	return false
}

type hook struct {
	rules []conf.AccessRule
	addr  string
}

// OnPublish refuses the publish when the first matching rule denies it.
func (h *hook) OnPublish(_ context.Context, _ *rtmp.Publish) error {
	if i := Match(h.rules, h.addr, true); i >= 0 && !h.rules[i].Allow {
		return fmt.Errorf("%w (deny %s, client %s)", ErrForbidden, ruleAddr(h.rules[i]), h.addr)
	}
	return nil
}

func ruleAddr(r conf.AccessRule) string {
	if r.All {
		return "all"
	}
	return r.CIDR
}

// Allowed reports whether addr may publish (publish true) or play under
// rules: the first matching rule decides, no match allows. An address
// that does not parse (a session without a socket address) is allowed, as
// nginx-rtmp allows relayed sessions.
func Allowed(rules []conf.AccessRule, addr string, publish bool) bool {
	i := Match(rules, addr, publish)
	return i < 0 || rules[i].Allow
}

// Match returns the index of the first rule for the role that matches
// addr, or -1. IPv4-mapped IPv6 addresses are checked as IPv4.
func Match(rules []conf.AccessRule, addr string, publish bool) int {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return -1
	}
	ip = ip.Unmap().WithZone("")
	for i, r := range rules {
		if (publish && !r.Publish) || (!publish && !r.Play) {
			continue
		}
		if r.All {
			return i
		}
		p, err := netip.ParsePrefix(r.CIDR)
		if err != nil {
			continue // conf validated it; an unparsable rule matches nothing
		}
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			// ::ffff:a.b.c.d/n is the IPv4 rule a.b.c.d/(n-96).
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		if p.Contains(ip) {
			return i
		}
	}
	return -1
}
