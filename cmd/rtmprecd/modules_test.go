package main

import (
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
)

// TestExecMaxChildrenFollowsReload: notify reads exec_max_children from
// the running configuration, so the snapshot a reload swaps in bounds the
// next exec_* start.
func TestExecMaxChildrenFollowsReload(t *testing.T) {
	var cur atomic.Pointer[conf.Config]
	load := func(src string) *conf.Config {
		cfg, err := conf.LoadBytes("t.conf", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	cur.Store(load("rtmp { exec_max_children 3; }"))
	mods := newModules(slog.New(slog.DiscardHandler), nil, cur.Load)
	if got := mods.notify.MaxChildren(); got != 3 {
		t.Errorf("exec_max_children 3 gives %d", got)
	}
	cur.Store(load("rtmp { exec_max_children 7; }"))
	if got := mods.notify.MaxChildren(); got != 7 {
		t.Errorf("after the swap: %d, want 7", got)
	}
}
