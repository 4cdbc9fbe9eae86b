package record

import (
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// Reason says why a recorded file was closed.
type Reason string

// Reasons a file closes. The publish-end reasons carry the session's
// rtmp.CloseReason unchanged.
const (
	ReasonSplit      Reason = "split"      // record_max_size, record_max_frames, record_interval or the 32-bit timestamp limit; a new file follows at once
	ReasonStop       Reason = "stop"       // Module.Stop (control API record/stop)
	ReasonError      Reason = "error"      // a write failed; the file holds every complete tag before the failure
	ReasonUnpublish  Reason = "unpublish"  // FCUnpublish, deleteStream or closeStream
	ReasonDisconnect Reason = "disconnect" // the connection ended
	ReasonDrop       Reason = "drop"       // the session was dropped (control API or misbehaviour)
	ReasonIdle       Reason = "idle"       // drop_idle_publisher fired
	ReasonShutdown   Reason = "shutdown"   // the daemon is stopping
	ReasonSchedule   Reason = "schedule"   // a record_schedule window closed
	ReasonRedirect   Reason = "redirect"   // the publish moved to another name (control API redirect/publisher); a new publish may follow at once
	ReasonEvent      Reason = "event"      // an event recording reached the break frame after its end
)

// Event describes one closed file: the record-done event that notify
// turns into on_record_done and exec_record_done.
type Event struct {
	Recorder string         // recorder name, "" for the application's inline recorder
	Config   *conf.Recorder // the recorder's settings (on_record_done, exec_record_done)
	App      string         // application name
	Name     string         // stream name as published (after on_publish renames)
	Args     string         // publish query args, without '?'
	Session  uint64         // connection number (clientid)
	Connect  *rtmp.Connect  // the session's connect command; nil when unknown

	Path string // the file as opened; for HLS, the recording's directory
	// Playlist is, for a recording that is a directory (HLS), the path of
	// its playlist (Path/index.m3u8); "" for single-file formats.
	Playlist string
	Size     int64 // bytes in the file at close
	// Unmapped names the kinds of tracks an MP4 recording left out for
	// want of an MP4 mapping of their codec: "audio", "video" or
	// "video,audio"; "" when none. A track that appeared after an fMP4
	// file's initialization segment was written is named here too.
	Unmapped string

	// Frame counts are media tags written: the sequence header copies at
	// the start of every file are not counted.
	VideoFrames int64
	AudioFrames int64
	// FirstTime and LastTime are the session-timeline timestamps (ms) of
	// the first and last media tag written; both 0 when none was.
	FirstTime int64
	LastTime  int64
	Duration  time.Duration // LastTime - FirstTime

	Start time.Time // wall clock at open
	End   time.Time // wall clock at close
	// Reason says why the file closed; Err is the failure for ReasonError,
	// or a close error for any reason, else nil.
	Reason Reason
	Err    error
}
