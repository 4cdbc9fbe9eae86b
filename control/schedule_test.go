package control

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// TestStatusShowsNextWindow: /control/status shows, per scheduled
// recorder of a publish, whether its schedule is open and the next
// window; recorders without a schedule are not listed.
func TestStatusShowsNextWindow(t *testing.T) {
	dir := t.TempDir()
	r := newRigConfig(t, dir, fmt.Sprintf(`
rtmp { server { listen 127.0.0.1:0;
    application live {
        record all; record_path %[1]s;
        recorder xmas { record all; record_path %[1]s/x; record_timezone Europe/Berlin; record_schedule 2099-12-24 10:00-12:00; }
    } } }
http { server { listen 127.0.0.1:0; location /control { rtmp_control all; } } }
`, dir))
	r.publish("live", "cam1")
	var st Status
	eventually(t, "the publish in the status", func() bool {
		st = Status{}
		if err := json.Unmarshal([]byte(r.want("GET", "/control/status", 200, "")), &st); err != nil {
			t.Fatal(err)
		}
		return len(st.Sessions) == 1 && st.Sessions[0].Publishing
	})
	sc := st.Sessions[0].Schedules
	if len(sc) != 1 || sc[0].Recorder != "xmas" || sc[0].Open || sc[0].Start == nil || sc[0].End == nil {
		t.Fatalf("schedules %+v", sc)
	}
	want := time.Date(2099, 12, 24, 9, 0, 0, 0, time.UTC) // 10:00 in Berlin
	if !sc[0].Start.Equal(want) || !sc[0].End.Equal(want.Add(2*time.Hour)) {
		t.Errorf("next window %v - %v, want %v - %v", sc[0].Start, sc[0].End, want, want.Add(2*time.Hour))
	}
}
