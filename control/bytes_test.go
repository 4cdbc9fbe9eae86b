package control

import (
	"encoding/json"
	"testing"
)

// TestBytesIn checks which counter each figure uses: a stream's bytes_in
// is the audio and video payload of its publish (restarted by a redirect), the
// global bytes_in and a session's status bytes_in count every byte the
// connections received (handshake, commands, chunk headers too), and the
// global one keeps the bytes of connections that left.
func TestBytesIn(t *testing.T) {
	r := newRig(t)
	p := r.publish("live", "cam1")
	gone := r.publish("off", "x")
	eventually(t, "the media counted", func() bool {
		mt := r.meter.Meter(r.srv.Registry().Lookup("live", "cam1"))
		return mt != nil && mt.BytesAudio()+mt.BytesVideo() == p.sent.Load()
	})
	const handshake = 1 + 2*1536
	st := r.stat(t)
	stream := st.Servers[0].Applications[0].Live.Streams[0]
	// The audio and video payload, as nginx-rtmp: not onMetaData's body.
	if stream.BytesIn != p.sent.Load() {
		t.Errorf("stream bytes_in %d, want the media payload %d", stream.BytesIn, p.sent.Load())
	}
	if min := p.sent.Load() + gone.sent.Load() + 2*handshake; st.BytesIn < min {
		t.Errorf("global bytes_in %d, want at least %d", st.BytesIn, min)
	}
	var status Status
	if err := json.Unmarshal([]byte(r.want("GET", "/control/status", 200, "")), &status); err != nil {
		t.Fatal(err)
	}
	var sum uint64
	for _, s := range status.Sessions {
		if s.BytesIn < handshake {
			t.Errorf("session %d: bytes_in %d without its handshake", s.ID, s.BytesIn)
		}
		sum += s.BytesIn
	}
	if sum > st.BytesIn {
		t.Errorf("sessions' bytes_in %d > global %d read before", sum, st.BytesIn)
	}

	r.want("GET", "/control/redirect/publisher?app=live&name=cam1&newname=cam2", 200, "1")
	gone.c.Close()
	eventually(t, "the second connection to leave", func() bool { return len(r.srv.Registry().Sessions()) == 1 })
	after := r.stat(t)
	if after.BytesIn < st.BytesIn {
		t.Errorf("global bytes_in went down from %d to %d when a connection left", st.BytesIn, after.BytesIn)
	}
	if s := after.Servers[0].Applications[0].Live.Streams[0]; s.Name != "cam2" || s.BytesIn != 0 {
		t.Errorf("stream after redirect: %s with bytes_in %d, want cam2 with 0", s.Name, s.BytesIn)
	}
}

func (r *rig) stat(t *testing.T) *Stat {
	t.Helper()
	var st Stat
	if err := json.Unmarshal([]byte(r.want("GET", "/stat?format=json", 200, "")), &st); err != nil {
		t.Fatal(err)
	}
	return &st
}
