package control

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/record"
)

// TestRedirectRecords redirects a recording publisher: its file is
// finished (record_done with reason redirect), a new one starts under the
// new name with the sequence headers, and both read back strictly.
func TestRedirectRecords(t *testing.T) {
	r := newRig(t)
	p := r.publish("live", "cam1")
	eventually(t, "the recording", func() bool {
		recs := r.rec.Recordings()
		return len(recs) == 1 && recs[0].Duration > 0
	})
	if got := r.want("GET", "/control/redirect/publisher?app=live&name=cam1&newname=cam9", 200, ""); got != "1" {
		t.Fatalf("redirect body %q, want 1", got)
	}
	// The answer comes after the old file was finished.
	first, second := filepath.Join(r.dir, "cam1.flv"), filepath.Join(r.dir, "cam9.flv")
	evs := r.closed()
	if len(evs) != 1 || evs[0].Path != first || evs[0].Reason != record.Reason("redirect") || evs[0].Name != "cam1" {
		t.Fatalf("record events when redirect answered: %+v, want %s closed with redirect", evs, first)
	}
	if r.srv.Registry().Lookup("live", "cam9") == nil || r.srv.Registry().Lookup("live", "cam1") != nil {
		t.Error("registry does not hold the new name only")
	}
	p.gop()
	eventually(t, "the second recording", func() bool {
		recs := r.rec.Recordings()
		return len(recs) == 1 && recs[0].Path == second && recs[0].Duration > 0
	})
	var st Status
	if err := json.Unmarshal([]byte(r.want("GET", "/control/status", 200, "")), &st); err != nil {
		t.Fatal(err)
	}
	// bytes_in counts the connection's raw input: more than the media
	// payload of both publishes, not restarted by the redirect.
	if len(st.Sessions) != 1 || st.Sessions[0].Name != "cam9" || st.Sessions[0].BytesIn <= p.sent.Load() {
		t.Errorf("status after redirect: %+v (media sent %d)", st.Sessions, p.sent.Load())
	}

	p.c.Close()
	eventually(t, "the second file to close", func() bool { return len(r.closed()) == 2 })
	if ev := r.closed()[1]; ev.Path != second || ev.Name != "cam9" || ev.Reason != record.ReasonDisconnect {
		t.Errorf("second file event %+v", ev)
	}
	for _, path := range []string{first, second} {
		f, err := flv.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if f.Count(flv.TagVideo) < 2 || f.Count(flv.TagAudio) < 2 {
			t.Errorf("%s: %d video and %d audio tags", path, f.Count(flv.TagVideo), f.Count(flv.TagAudio))
		}
		if v := firstTag(f, flv.TagVideo); v == nil || !slices.Equal(v.Data, avcHeader) {
			t.Errorf("%s does not start its video with the AVC sequence header", path)
		}
		if a := firstTag(f, flv.TagAudio); a == nil || !slices.Equal(a.Data, aacHeader) {
			t.Errorf("%s does not start its audio with the AAC sequence header", path)
		}
	}
}

func firstTag(f *flv.File, typ uint8) *flv.Tag {
	for i := range f.Tags {
		if f.Tags[i].Type == typ {
			return &f.Tags[i]
		}
	}
	return nil
}

func TestRedirectCounts(t *testing.T) {
	r := newRig(t)
	r.publish("live", "a")
	r.publish("live", "b")
	r.publish("off", "c")
	tests := []struct {
		path string
		code int
		body string
	}{
		// As nginx-rtmp: newname is checked per matched session.
		{"/control/redirect/publisher?app=live&name=nobody", 200, "0"},
		{"/control/redirect/publisher?app=live&name=a", 400, "needs newname"},
		{"/control/redirect/publisher?app=live&name=a&newname=%3Fk%3Dv", 400, "needs newname"},
		{"/control/redirect/subscriber?app=live&name=a&newname=x", 501, "live play"},
		{"/control/redirect/nope?app=live", 404, "unknown method"},
		{"/control/redirect/publisher?app=live&name=a&newname=b", 500, "already publishing"},
		{"/control/redirect/publisher?app=live&name=a&newname=a2", 200, "1"},
		{"/control/redirect/client?app=off&newname=c2", 200, "1"},
		// Both to one name: the first (by connection number) gets it.
		{"/control/redirect/publisher?app=live&newname=z", 500, "redirected 1 of 2"},
	}
	for _, tt := range tests {
		if got := r.want("GET", tt.path, tt.code, tt.body); tt.code == 200 && got != tt.body {
			t.Errorf("%s = %q, want %q", tt.path, got, tt.body)
		}
	}
	reg := r.srv.Registry()
	if reg.Lookup("live", "z") == nil || reg.Lookup("live", "b") == nil || reg.Lookup("off", "c2") == nil {
		t.Errorf("streams after the redirects: %v", names(r))
	}
}

func names(r *rig) []string {
	var out []string
	for _, s := range r.srv.Registry().Sessions() {
		if p := s.Publish(); p != nil {
			out = append(out, s.App().Name+"/"+p.Name)
		}
	}
	return out
}
