package control

import (
	"encoding/xml"
	"net/http"
	"os"
	"runtime"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/httpd"
	"github.com/rtmprecd/rtmprecd/record"
)

// Stat is nginx-rtmp's /stat document: the elements its stat.xsl and
// common dashboards read, plus a recording element per open file (which
// stat.xsl does not show). The byte figures count as nginx-rtmp's do: a
// stream's bytes_in and bw_in the audio and video payload of its current
// publish (they restart after a redirect; metadata and chunk headers are
// not counted), while the global bytes_in counts every byte every
// connection received since start (Registry's BytesIn; unlike nginx-rtmp,
// the 3073-byte handshake included) and the global bw_in every byte the
// publishing connections receive. nginx_version names rtmprecd and its
// version, built the time the binary was built.
type Stat struct {
	XMLName          xml.Name     `xml:"rtmp" json:"-"`
	NginxVersion     string       `xml:"nginx_version" json:"nginx_version"`
	NginxRTMPVersion string       `xml:"nginx_rtmp_version" json:"nginx_rtmp_version"`
	Compiler         string       `xml:"compiler" json:"compiler"`
	Built            string       `xml:"built" json:"built"`
	PID              int          `xml:"pid" json:"pid"`
	Uptime           int64        `xml:"uptime" json:"uptime"` // seconds
	NAccepted        uint64       `xml:"naccepted" json:"naccepted"`
	BWIn             uint64       `xml:"bw_in" json:"bw_in"`
	BytesIn          uint64       `xml:"bytes_in" json:"bytes_in"`
	BWOut            uint64       `xml:"bw_out" json:"bw_out"`
	BytesOut         uint64       `xml:"bytes_out" json:"bytes_out"`
	Servers          []StatServer `xml:"server" json:"servers"`
}

// StatServer is one rtmp server block.
type StatServer struct {
	Applications []StatApplication `xml:"application" json:"applications"`
}

// StatApplication is one application.
type StatApplication struct {
	Name string    `xml:"name" json:"name"`
	Live *StatLive `xml:"live" json:"live,omitempty"`
}

// StatLive holds an application's streams.
type StatLive struct {
	Streams  []StatStream `xml:"stream" json:"streams"`
	NClients int          `xml:"nclients" json:"nclients"`
}

// StatStream is one published stream.
type StatStream struct {
	Name       string          `xml:"name" json:"name"`
	Time       int64           `xml:"time" json:"time"` // ms since publish
	BWIn       uint64          `xml:"bw_in" json:"bw_in"`
	BytesIn    uint64          `xml:"bytes_in" json:"bytes_in"`
	BWOut      uint64          `xml:"bw_out" json:"bw_out"`
	BytesOut   uint64          `xml:"bytes_out" json:"bytes_out"`
	BWAudio    uint64          `xml:"bw_audio" json:"bw_audio"`
	BWVideo    uint64          `xml:"bw_video" json:"bw_video"`
	Clients    []StatClient    `xml:"client" json:"clients,omitempty"`
	Recordings []StatRecording `xml:"recording" json:"recordings"`
	Meta       *StatMeta       `xml:"meta" json:"meta,omitempty"`
	NClients   int             `xml:"nclients" json:"nclients"`
	Publishing Flag            `xml:"publishing" json:"publishing"`
	Active     Flag            `xml:"active" json:"active"`
}

// StatClient is one connection of a stream.
type StatClient struct {
	ID         uint64 `xml:"id" json:"id"`
	Address    string `xml:"address" json:"address"`
	Time       int64  `xml:"time" json:"time"` // ms since connect
	FlashVer   string `xml:"flashver" json:"flashver"`
	SwfURL     string `xml:"swfurl,omitempty" json:"swfurl,omitempty"`
	PageURL    string `xml:"pageurl,omitempty" json:"pageurl,omitempty"`
	Dropped    int    `xml:"dropped" json:"dropped"`
	AVSync     int64  `xml:"avsync" json:"avsync"`
	Timestamp  int64  `xml:"timestamp" json:"timestamp"` // ms, last media message
	Publishing Flag   `xml:"publishing" json:"publishing"`
	Active     Flag   `xml:"active" json:"active"`
}

// StatRecording is one open file of a stream (not in nginx-rtmp).
type StatRecording struct {
	Recorder string `xml:"recorder" json:"recorder"`
	Path     string `xml:"path" json:"path"`
	Size     int64  `xml:"size" json:"size"`
	Duration int64  `xml:"duration" json:"duration"` // ms of media written
	Time     int64  `xml:"time" json:"time"`         // ms since open
}

// Flag is an empty element that is present when true (<publishing/>),
// as stat.xsl tests for presence; a plain boolean in JSON.
type Flag bool

// MarshalXML writes the element only when f is true.
func (f Flag) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if !f {
		return nil
	}
	return e.EncodeElement(struct{}{}, start)
}

// UnmarshalXML sets f: the element is present.
func (f *Flag) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	*f = true
	return d.Skip()
}

// Stat builds the /stat document; words are rtmp_stat's (all, global,
// live, clients): without live or all the applications are listed
// without streams, without clients or all the streams without clients.
// cfg's servers and applications are listed even without streams.
func (s *Server) Stat(words []string, cfg *conf.Config) *Stat {
	now := time.Now()
	st := &Stat{
		NginxVersion: "rtmprecd/" + s.opts.Version, NginxRTMPVersion: s.opts.Version,
		Compiler: runtime.Version(), Built: builtAt(),
		PID: os.Getpid(), Uptime: int64(now.Sub(s.opts.Started).Seconds()),
	}
	if s.opts.Meter != nil {
		st.NAccepted = s.opts.Meter.Accepted()
	}
	live := enabled(words, "live")
	clients := enabled(words, "clients")
	idx := st.layout(cfg)
	recs := s.recordings()
	for _, pub := range s.allPublishers() {
		app := idx.app(st, pub.s.Server().Index, pub.app.Name)
		ss := s.statStream(pub, now, recs[pub.s.ID()], clients)
		st.BytesIn += ss.BytesIn
		if mt := s.opts.Meter.Meter(pub.s); mt != nil {
			st.BWIn += mt.WireBandwidth()
		}
		if live {
			if app.Live == nil {
				app.Live = &StatLive{}
			}
			app.Live.Streams = append(app.Live.Streams, ss)
			app.Live.NClients += ss.NClients
		}
	}
	if live {
		st.fillLive()
	}
	if bc, ok := s.opts.Registry.(byteCounter); ok {
		st.BytesIn = bc.BytesIn()
	}
	return st
}

// fillLive gives applications without streams their empty <live>, as
// nginx-rtmp writes it.
func (st *Stat) fillLive() {
	for i := range st.Servers {
		for j := range st.Servers[i].Applications {
			if a := &st.Servers[i].Applications[j]; a.Live == nil {
				a.Live = &StatLive{}
			}
		}
	}
}

// appIndex finds an application's element (server and application
// positions) by server index and name.
type appIndex map[appKey][2]int

type appKey struct {
	srv  int
	name string
}

// layout lists cfg's servers and applications, as nginx-rtmp lists every
// application whether or not it has streams.
func (st *Stat) layout(cfg *conf.Config) appIndex {
	idx := appIndex{}
	if cfg == nil {
		return idx
	}
	for i, sc := range cfg.Servers {
		st.Servers = append(st.Servers, StatServer{})
		for _, a := range sc.Applications {
			idx[appKey{i, a.Name}] = [2]int{i, len(st.Servers[i].Applications)}
			st.Servers[i].Applications = append(st.Servers[i].Applications, StatApplication{Name: a.Name})
		}
	}
	return idx
}

// app returns the element of application name in server srv, adding it
// when a session pinned to an older configuration still uses it.
func (idx appIndex) app(st *Stat, srv int, name string) *StatApplication {
	if at, ok := idx[appKey{srv, name}]; ok {
		return &st.Servers[at[0]].Applications[at[1]]
	}
	for len(st.Servers) <= srv {
		st.Servers = append(st.Servers, StatServer{})
	}
	idx[appKey{srv, name}] = [2]int{srv, len(st.Servers[srv].Applications)}
	st.Servers[srv].Applications = append(st.Servers[srv].Applications, StatApplication{Name: name})
	apps := st.Servers[srv].Applications
	return &apps[len(apps)-1]
}

// allPublishers returns every publishing session of every server.
func (s *Server) allPublishers() []publisher {
	var out []publisher
	for _, sess := range s.opts.Registry.Sessions() {
		if p, app := sess.Publish(), sess.App(); p != nil && app != nil {
			out = append(out, publisher{sess, app, p})
		}
	}
	return out
}

func (s *Server) statStream(pub publisher, now time.Time, recs []record.Recording, clients bool) StatStream {
	ss := StatStream{Name: pub.p.Name, NClients: 1, Publishing: true, Active: true, Recordings: []StatRecording{}}
	cl := StatClient{ID: pub.s.ID(), Address: pub.s.Addr(), Time: now.Sub(pub.s.Started()).Milliseconds(),
		Publishing: true, Active: true}
	if c := pub.s.Connect(); c != nil {
		cl.FlashVer, cl.SwfURL, cl.PageURL = c.FlashVer, c.SwfURL, c.PageURL
	}
	if mt := s.opts.Meter.Meter(pub.s); mt != nil {
		ss.Time = now.Sub(mt.Started()).Milliseconds()
		ss.BytesIn = mt.BytesIn()
		ss.BWIn, ss.BWAudio, ss.BWVideo = mt.Bandwidth()
		cl.Timestamp = mt.Timestamp()
	}
	if clients {
		ss.Clients = []StatClient{cl}
	}
	for _, r := range recs {
		ss.Recordings = append(ss.Recordings, StatRecording{Recorder: r.Recorder, Path: r.Path, Size: r.Size,
			Duration: r.Duration.Milliseconds(), Time: now.Sub(r.Opened).Milliseconds()})
	}
	ss.Meta = metaOf(pub.s.Codec())
	return ss
}

// stat serves /stat as XML, or JSON with ?format=json.
func (s *Server) stat(w http.ResponseWriter, r *http.Request, at httpd.Location) {
	if !httpd.AllowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	st := s.Stat(at.Stat, at.Config)
	switch f := r.URL.Query().Get("format"); f {
	case "json":
		writeJSON(w, http.StatusOK, st)
	case "", "xml":
		b, err := xml.MarshalIndent(st, "", " ")
		if err != nil {
			httpd.Fail(w, http.StatusInternalServerError, "encoding stat: "+err.Error())
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/xml")
		h.Set("Cache-Control", "no-store")
		w.Write([]byte(xml.Header))
		w.Write(stylesheetPI(at.StatStylesheet))
		w.Write(append(b, '\n'))
	default:
		httpd.Fail(w, http.StatusBadRequest, "format="+f+": use xml or json")
	}
}
