package control

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// maxName is nginx-rtmp's limit on application and stream names.
const maxName = 255

// selector is the session selection of every control call, as in
// nginx-rtmp: srv, app, name, addr and clientid narrow it down, and an
// absent argument matches everything.
type selector struct {
	srv      int
	app      string
	name     string
	addr     string
	clientID uint64
	hasID    bool
	rec      string
	newName  string
}

// parseSelector reads the query string strictly: malformed escapes,
// repeated arguments and non-numeric numbers are the caller's error.
func parseSelector(raw string, cfg *conf.Config) (*selector, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, fmt.Errorf("malformed query: %w", err)
	}
	for k, v := range q {
		if len(v) > 1 && slices.Contains([]string{"srv", "app", "name", "addr", "clientid", "rec", "newname"}, k) {
			return nil, fmt.Errorf("argument %q given %d times", k, len(v))
		}
	}
	sel := &selector{app: q.Get("app"), name: q.Get("name"), addr: q.Get("addr"), rec: q.Get("rec"), newName: q.Get("newname")}
	for k, v := range map[string]string{"app": sel.app, "name": sel.name, "rec": sel.rec, "newname": sel.newName} {
		if len(v) > maxName {
			return nil, fmt.Errorf("%s: longer than %d bytes", k, maxName)
		}
	}
	if v := q.Get("srv"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("srv=%q: not a server index", v)
		}
		if cfg != nil && n >= len(cfg.Servers) {
			return nil, fmt.Errorf("srv=%d: no such rtmp server (there are %d)", n, len(cfg.Servers))
		}
		sel.srv = n
	}
	if v := q.Get("clientid"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("clientid=%q: not a connection number", v)
		}
		sel.clientID, sel.hasID = n, true
	}
	return sel, nil
}

// publishers returns the publishing sessions sel matches, with their
// current publish.
func (sel *selector) publishers(sessions []*rtmp.Session) []publisher {
	var out []publisher
	for _, s := range sessions {
		p, app := s.Publish(), s.App()
		if p == nil || app == nil || s.Server().Index != sel.srv {
			continue
		}
		if sel.app != "" && app.Name != sel.app || sel.name != "" && p.Name != sel.name ||
			sel.addr != "" && s.Addr() != sel.addr || sel.hasID && s.ID() != sel.clientID {
			continue
		}
		out = append(out, publisher{s, app, p})
	}
	return out
}

// publisher is a matched publishing session.
type publisher struct {
	s   *rtmp.Session
	app *conf.Application
	p   *rtmp.Publish
}
