package notify

import (
	"strconv"
	"time"

	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// pubInfo is what a session's publish reports in its callbacks.
type pubInfo struct {
	orig string // name as requested: nginx reports it in every callback
	name string // name after on_publish renamed it: the file's and our extra fields'
	args string // the client's query args, appended raw to every callback
	typ  string
}

var noConnect = &rtmp.Connect{}

// sessionForm starts a callback with nginx-rtmp's session block: app,
// flashver, swfurl, tcurl, pageurl, addr, clientid, then call.
func sessionForm(c *rtmp.Connect, sid uint64, call string) *form {
	if c == nil {
		c = noConnect
	}
	f := &form{}
	f.add("app", c.App)
	f.add("flashver", c.FlashVer)
	f.add("swfurl", c.SwfURL)
	f.add("tcurl", c.TcURL)
	f.add("pageurl", c.PageURL)
	f.add("addr", c.Addr)
	f.add("clientid", strconv.FormatUint(sid, 10))
	f.add("call", call)
	return f
}

// connectForm is nginx-rtmp's connect call: epoch instead of clientid
// (ours is Unix milliseconds at accept; nginx's is its own ms clock), then
// call, then clientid as our extra field, then the connect URL's args.
func connectForm(c *rtmp.Connect, sid uint64, started time.Time) *form {
	f := &form{raw: c.Args}
	f.add("app", c.App)
	f.add("flashver", c.FlashVer)
	f.add("swfurl", c.SwfURL)
	f.add("tcurl", c.TcURL)
	f.add("pageurl", c.PageURL)
	f.add("addr", c.Addr)
	f.add("epoch", strconv.FormatInt(started.UnixMilli(), 10))
	f.add("call", "connect")
	f.add("clientid", strconv.FormatUint(sid, 10))
	return f
}

// publishForm is the on_publish call: name and type as requested.
func publishForm(c *rtmp.Connect, sid uint64, p *rtmp.Publish) *form {
	f := sessionForm(c, sid, "publish")
	f.add("name", p.OriginalName)
	f.add("type", p.Type)
	f.raw = p.Args
	return f
}

// doneForm is publish_done and done: the requested name (omitted when
// empty, as nginx), then our extra fields stream (the name in use) and
// reason (why the publish ended).
func doneForm(c *rtmp.Connect, sid uint64, call string, pi *pubInfo, why rtmp.CloseReason) *form {
	f := sessionForm(c, sid, call)
	if pi.orig != "" {
		f.add("name", pi.orig)
	}
	f.add("stream", pi.name)
	f.add("reason", string(why))
	f.raw = pi.args
	return f
}

// updateForm is on_update: seconds since the session's first publish and
// the last audio/video timestamp, then the name and our stream field.
func updateForm(c *rtmp.Connect, sid uint64, pi *pubInfo, since time.Duration, ts int64) *form {
	f := sessionForm(c, sid, "update_publish")
	f.add("time", strconv.FormatInt(int64(since/time.Second), 10))
	f.add("timestamp", strconv.FormatInt(ts, 10))
	if pi.orig != "" {
		f.add("name", pi.orig)
	}
	f.add("stream", pi.name)
	f.raw = pi.args
	return f
}

// recordDoneForm is on_record_done: recorder, requested name and path as
// nginx, then our extra fields describing the closed file.
func recordDoneForm(c *rtmp.Connect, orig, args string, ev *record.Event) *form {
	f := sessionForm(c, ev.Session, "record_done")
	f.add("recorder", ev.Recorder)
	f.add("name", orig)
	f.add("path", ev.Path)
	if ev.Playlist != "" {
		f.add("playlist", ev.Playlist) // HLS: path is the recording's directory
	}
	f.add("stream", ev.Name)
	f.add("size", strconv.FormatInt(ev.Size, 10))
	f.add("duration", strconv.FormatFloat(ev.Duration.Seconds(), 'f', 3, 64))
	f.add("video_frames", strconv.FormatInt(ev.VideoFrames, 10))
	f.add("audio_frames", strconv.FormatInt(ev.AudioFrames, 10))
	f.add("start", wallTime(ev.Start))
	f.add("end", wallTime(ev.End))
	f.add("reason", string(ev.Reason))
	errText := ""
	if ev.Err != nil {
		errText = ev.Err.Error()
	}
	f.add("error", errText)
	f.raw = args
	return f
}

// wallTime is RFC 3339 in UTC with milliseconds; "" for the zero time.
func wallTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}
