package control

import (
	"testing"

	"github.com/rtmprecd/rtmprecd/rtmp"
)

// TestModuleHasNoMediaHook: the control module counts connects and reads
// each publish's figures from its stream hub (hub.TestStreamBandwidth
// checks them); it adds no hook of its own, so the media path and the
// module order do not depend on it.
func TestModuleHasNoMediaHook(t *testing.T) {
	m := &Module{}
	if h := m.Hook(nil); h != (rtmp.Hooks{}) {
		t.Fatalf("Hook returned %+v, want no hook", h)
	}
	if _, ok := any(m).(rtmp.AVHook); ok {
		t.Error("the control module receives media")
	}
	if m.Accepted() != 1 {
		t.Fatalf("accepted %d", m.Accepted())
	}
	if m.Meter(nil) != nil {
		t.Error("a meter without a session")
	}
	var nilModule *Module
	if nilModule.Meter(nil) != nil {
		t.Error("nil module has a meter")
	}
}
