package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// DefaultNetcallTimeout bounds a call when the configuration gives none.
const DefaultNetcallTimeout = 10 * time.Second

// maxReply is how much of a reply body is read (and discarded) so that the
// receiver sees its answer consumed; nginx reads until the server closes.
const maxReply = 64 << 10

// verdict is nginx-rtmp's reading of a reply: the class of the status.
type verdict uint8

const (
	deny     verdict = iota // anything but 2xx/3xx, a timeout, a refused connection
	allow                   // 2xx
	redirect                // 3xx; Location, when present, says where
)

// reply is the outcome of one HTTP call.
type reply struct {
	status   int    // HTTP status; 0 when no reply was read
	location string // Location header of a 3xx
	err      error  // transport failure (refused, timeout, bad URL)
}

func (r reply) verdict() verdict {
	switch {
	case r.err != nil:
		return deny
	case r.status >= 200 && r.status < 300:
		return allow
	case r.status >= 300 && r.status < 400:
		return redirect
	}
	return deny
}

// transient reports whether retrying a fire-and-forget call may help: no
// answer at all, or a server error. A 4xx is the receiver's final word.
func (r reply) transient() bool { return r.err != nil || r.status >= 500 }

// String describes the reply for logs and errors.
func (r reply) String() string {
	if r.err != nil {
		return r.err.Error()
	}
	if r.location != "" {
		return fmt.Sprintf("HTTP %d, Location %q", r.status, r.location)
	}
	return fmt.Sprintf("HTTP %d", r.status)
}

// request is one callback ready to send.
type request struct {
	call    string // call= value, for logs
	url     string
	method  string // "get" or "post"
	form    *form
	timeout time.Duration
}

// newHTTPClient never follows redirects (a 3xx is a verdict, not a hop)
// and never reuses connections, like nginx's "Connection: Close".
func newHTTPClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:             nil,
			DisableKeepAlives: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// send makes one attempt. The whole call (connect, send, read) is bounded
// by req.timeout; nginx bounds each step instead.
func send(ctx context.Context, c *http.Client, req *request) reply {
	timeout := req.timeout
	if timeout <= 0 {
		timeout = DefaultNetcallTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hr, err := newHTTPRequest(ctx, req)
	if err != nil {
		return reply{err: err}
	}
	resp, err := c.Do(hr)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within netcall_timeout %v", timeout)
		}
		return reply{err: err}
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxReply))
	r := reply{status: resp.StatusCode}
	if r.verdict() == redirect {
		r.location = resp.Header.Get("Location")
	}
	return r
}

// newHTTPRequest lays the parameters out as nginx-rtmp does: the body of a
// form-encoded POST, or the query string of a GET.
func newHTTPRequest(ctx context.Context, req *request) (*http.Request, error) {
	params := req.form.encode()
	var hr *http.Request
	var err error
	if req.method == "get" {
		u := req.url
		if params != "" {
			// nginx appends a second '?' to a URL that has one; '&' keeps
			// the receiver's own query intact.
			sep := "?"
			if strings.Contains(u, "?") {
				sep = "&"
			}
			u += sep + params
		}
		hr, err = http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	} else {
		hr, err = http.NewRequestWithContext(ctx, http.MethodPost, req.url, strings.NewReader(params))
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.call, req.url, err)
	}
	hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hr.Header.Set("User-Agent", "rtmprecd")
	hr.Close = true
	return hr, nil
}
