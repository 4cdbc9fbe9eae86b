package control

import (
	"encoding/xml"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/mp4check"
	"github.com/rtmprecd/rtmprecd/record"
)

// mp4Config records live/* as mp4 and has a manual fmp4 recorder.
const mp4Config = `
rtmp {
    server {
        listen 127.0.0.1:0;
        application live {
            record all;
            record_path %[1]s;
            record_format mp4;
            recorder man {
                record all manual;
                record_path %[1]s;
                record_format fmp4;
                record_suffix -man.mp4;
            }
        }
    }
}
http {
    server {
        listen 127.0.0.1:0;
        location /control { rtmp_control all; }
        location /stat { rtmp_stat all; }
    }
}
`

// TestControlAndStatMP4Formats: /stat lists an mp4 recording while it is
// written; /control/record/start and stop drive a manual fmp4 recorder;
// the files they close pass the strict MP4 checker.
func TestControlAndStatMP4Formats(t *testing.T) {
	dir := t.TempDir()
	r := newRigConfig(t, dir, fmt.Sprintf(mp4Config, dir))
	p := r.publish("live", "cam1")
	eventually(t, "media in the mp4 recording", func() bool {
		recs := r.rec.Recordings()
		return len(recs) == 1 && recs[0].Duration > 0
	})
	var st Stat
	if err := xml.Unmarshal([]byte(r.want("GET", "/stat", 200, "")), &st); err != nil {
		t.Fatal(err)
	}
	s := st.Servers[0].Applications[0].Live.Streams[0]
	if len(s.Recordings) != 1 || s.Recordings[0].Path != filepath.Join(dir, "cam1.mp4") || s.Recordings[0].Size == 0 {
		t.Fatalf("recordings: %+v", s.Recordings)
	}
	got := r.want("POST", "/control/record/start?app=live&name=cam1&rec=man", 200, "")
	if got != filepath.Join(dir, "cam1-man.mp4") {
		t.Fatalf("start body %q", got)
	}
	p.gop()
	p.gop()
	eventually(t, "the GOPs recorded", func() bool { return manDuration(r.rec.Recordings()) >= 100*time.Millisecond })
	if stop := r.want("POST", "/control/record/stop?app=live&name=cam1&rec=man", 200, ""); stop != got {
		t.Fatalf("stop body %q, want %q", stop, got)
	}
	evs := r.closed()
	if len(evs) != 1 || evs[0].Path != got || evs[0].Reason != record.ReasonStop {
		t.Fatalf("record events %+v", evs)
	}
	rep, err := mp4check.File(got)
	if err != nil {
		t.Fatal(err)
	}
	if top := strings.Join(rep.Top, " "); !strings.HasPrefix(top, "ftyp moov moof mdat") {
		t.Fatalf("fmp4 boxes %s", top)
	}
	var n int64
	for _, tr := range rep.Tracks {
		n += int64(tr.Samples)
	}
	if n == 0 || n != evs[0].VideoFrames+evs[0].AudioFrames {
		t.Fatalf("file holds %d samples, event says %d+%d", n, evs[0].VideoFrames, evs[0].AudioFrames)
	}
}
