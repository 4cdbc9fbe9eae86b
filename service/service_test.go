package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
)

// step is a service that logs its lifecycle and can refuse a
// configuration or fail to stop.
type step struct {
	name       string
	log        *[]string
	refuse     bool
	failToStop bool
}

func (s *step) Name() string { return s.name }

func (s *step) Prepare(*conf.Config) (Change, error) {
	*s.log = append(*s.log, s.name+" prepare")
	if s.refuse {
		return nil, errors.New(s.name + " refuses")
	}
	return Funcs{
		OnCommit: func() { *s.log = append(*s.log, s.name+" commit") },
		OnAbort:  func() { *s.log = append(*s.log, s.name+" abort") },
	}, nil
}

func (s *step) Stop(ctx context.Context) error {
	*s.log = append(*s.log, s.name+" stop")
	if s.failToStop {
		return context.DeadlineExceeded
	}
	return nil
}

// TestListOrder: services are prepared and committed in list order; when
// one refuses, the ones before it are aborted in reverse order and nothing
// is committed; they stop in reverse order, each whatever the others did,
// with the failures named.
func TestListOrder(t *testing.T) {
	var log []string
	a, b, c := &step{name: "a", log: &log}, &step{name: "b", log: &log}, &step{name: "c", log: &log}
	l := List{a, b, c}
	ch, err := l.Prepare(nil)
	if err != nil {
		t.Fatal(err)
	}
	ch.Commit()
	c.refuse = true
	if _, err := l.Prepare(nil); err == nil || err.Error() != "c refuses" {
		t.Fatalf("Prepare with c refusing: %v", err)
	}
	b.failToStop = true
	errs := l.Stop(context.Background())
	want := []string{"a prepare", "b prepare", "c prepare", "a commit", "b commit", "c commit",
		"a prepare", "b prepare", "c prepare", "b abort", "a abort",
		"c stop", "b stop", "a stop"}
	if !slices.Equal(log, want) {
		t.Errorf("lifecycle\n%s\nwant\n%s", strings.Join(log, ", "), strings.Join(want, ", "))
	}
	if len(errs) != 1 || errs[0].Error() != "b: context deadline exceeded" || !errors.Is(errs[0], context.DeadlineExceeded) {
		t.Errorf("Stop errors %v", errs)
	}
}
