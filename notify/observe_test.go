package notify

import (
	"errors"
	"testing"
)

// TestReplyClass: the result label of every kind of reply.
func TestReplyClass(t *testing.T) {
	for _, tc := range []struct {
		r    reply
		want string
	}{
		{reply{status: 200}, "2xx"},
		{reply{status: 204}, "2xx"},
		{reply{status: 302, location: "rtmp://x/y"}, "3xx"},
		{reply{status: 404}, "4xx"},
		{reply{status: 503}, "5xx"},
		{reply{err: errors.New("connection refused")}, "error"},
		{reply{}, "error"},
		{reply{status: 999}, "error"},
	} {
		if got := tc.r.class(); got != tc.want {
			t.Errorf("%+v: class %q, want %q", tc.r, got, tc.want)
		}
	}
}
