package control

import (
	"encoding/json"
	"encoding/xml"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/media"
)

func TestStatXMLWhileRecording(t *testing.T) {
	r := newRig(t)
	p := r.publish("live", "cam1")
	waitMedia(t, r)
	body := r.want("GET", "/stat", 200, "")
	if !strings.HasPrefix(body, "<?xml") || strings.Contains(body, "xml-stylesheet") {
		t.Fatalf("no XML declaration, or a stylesheet without rtmp_stat_stylesheet: %.120q", body)
	}
	var st Stat
	if err := xml.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("parsing /stat: %v\n%s", err, body)
	}
	if st.NginxRTMPVersion != "test" || st.PID == 0 || st.NAccepted != 1 {
		t.Errorf("globals: %+v", st)
	}
	if len(st.Servers) != 1 || len(st.Servers[0].Applications) != 2 {
		t.Fatalf("servers/applications: %+v", st.Servers)
	}
	live, off := st.Servers[0].Applications[0], st.Servers[0].Applications[1]
	if live.Name != "live" || off.Name != "off" || off.Live == nil || len(off.Live.Streams) != 0 {
		t.Fatalf("applications: %+v %+v", live, off)
	}
	if live.Live == nil || len(live.Live.Streams) != 1 || live.Live.NClients != 1 {
		t.Fatalf("live: %+v", live.Live)
	}
	s := live.Live.Streams[0]
	if s.Name != "cam1" || !s.Publishing || !s.Active || s.NClients != 1 || s.BytesIn == 0 {
		t.Errorf("stream: %+v (sent %d)", s, p.sent.Load())
	}
	if len(s.Clients) != 1 {
		t.Fatalf("clients: %+v", s.Clients)
	}
	c := s.Clients[0]
	if c.ID != r.srv.Registry().Sessions()[0].ID() || c.Address != "127.0.0.1" || !c.Publishing || c.FlashVer == "" {
		t.Errorf("client: %+v", c)
	}
	if len(s.Recordings) != 1 || s.Recordings[0].Path != filepath.Join(r.dir, "cam1.flv") ||
		s.Recordings[0].Size == 0 || s.Recordings[0].Recorder != "" {
		t.Errorf("recordings: %+v", s.Recordings)
	}
	m := s.Meta
	if m == nil || m.Video == nil || m.Audio == nil {
		t.Fatalf("meta: %+v", m)
	}
	wantV := StatVideo{Width: 320, Height: 240, FrameRate: 25, Codec: "H264", Profile: "High", Level: "3.1"}
	wantA := StatAudio{Codec: "AAC", Profile: "LC", Channels: 2, SampleRate: 44100}
	if *m.Video != wantV || *m.Audio != wantA {
		t.Errorf("meta video %+v audio %+v, want %+v %+v", *m.Video, *m.Audio, wantV, wantA)
	}
	// stat.xsl tests for presence: a false flag must not be written.
	if strings.Count(body, "<publishing>") != 2 {
		t.Errorf("want <publishing> on the stream and its client only:\n%s", body)
	}
}

func TestStatJSONMatchesXML(t *testing.T) {
	r := newRig(t)
	r.publish("live", "cam1")
	waitMedia(t, r)
	var st Stat
	if err := json.Unmarshal([]byte(r.want("GET", "/stat?format=json", 200, "")), &st); err != nil {
		t.Fatal(err)
	}
	apps := st.Servers[0].Applications
	if len(apps) != 2 || len(apps[0].Live.Streams) != 1 || apps[0].Live.Streams[0].Name != "cam1" ||
		!apps[0].Live.Streams[0].Publishing || apps[0].Live.Streams[0].Meta.Video.Codec != "H264" {
		t.Fatalf("json stat: %+v", st)
	}
}

func TestStatWords(t *testing.T) {
	r := newRig(t)
	r.publish("live", "cam1")
	for _, tt := range []struct {
		words          []string
		streams, users bool
	}{
		{[]string{"all"}, true, true},
		{[]string{"global"}, false, false},
		{[]string{"live"}, true, false},
		{[]string{"live", "clients"}, true, true},
	} {
		st := r.api.Stat(tt.words, r.reload.cfg.Load())
		app := st.Servers[0].Applications[0]
		if got := app.Live != nil && len(app.Live.Streams) == 1; got != tt.streams {
			t.Errorf("%v: streams %v, want %v", tt.words, got, tt.streams)
			continue
		}
		if tt.streams && (len(app.Live.Streams[0].Clients) == 1) != tt.users {
			t.Errorf("%v: clients %+v", tt.words, app.Live.Streams[0].Clients)
		}
	}
}

// waitMedia waits until the session has seen the metadata and codec
// headers, and the inline recorder's file has media.
func waitMedia(t *testing.T, r *rig) {
	t.Helper()
	eventually(t, "the codec headers and media in the inline recorder's file", func() bool {
		recs := r.rec.Recordings()
		s := r.srv.Registry().Lookup("live", "cam1")
		if len(recs) != 1 || recs[0].Duration == 0 || s == nil {
			return false
		}
		c := s.Codec()
		return headerOf(c.Audio()) && headerOf(c.Video()) && c.Metadata != nil
	})
}

// headerOf reports whether a track has its sequence header.
func headerOf(t *media.Track) bool { return t != nil && t.Header != nil }
