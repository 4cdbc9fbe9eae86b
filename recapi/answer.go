package recapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
)

// apiError is every error answer.
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// fail answers status with a JSON error object.
func fail(w http.ResponseWriter, status int, msg string) {
	reply(w, status, apiError{Code: status, Message: msg})
}

// reply answers v as JSON.
func reply(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.Encode(v)
}

// internal logs the cause of a 500 and answers without it.
func (rq *request) internal(err error) {
	if errors.Is(err, index.ErrUnavailable) {
		rq.api.log.Warn("record api: "+rq.r.Method+" "+rq.r.URL.Path+": index unreachable", "err", err)
		unavailable(rq.w)
		return
	}
	rq.api.log.Error("record api: "+rq.r.Method+" "+rq.r.URL.Path+" failed", "err", err)
	fail(rq.w, http.StatusInternalServerError, "internal error (logged)")
}

// recording is a row as the API answers it: camelCase, times in RFC 3339
// with milliseconds, durations in seconds, sizes in bytes.
type recording struct {
	ID          int64   `json:"id"`
	Node        string  `json:"node,omitempty"` // a shared index's node that wrote the row
	StreamPath  string  `json:"streamPath"`
	App         string  `json:"app"`
	Name        string  `json:"name"`
	Recorder    string  `json:"recorder"`
	Format      string  `json:"format"`
	FilePath    string  `json:"filePath"`
	Status      string  `json:"status"`
	StartTime   string  `json:"startTime"`
	EndTime     *string `json:"endTime"`
	Duration    float64 `json:"duration"`
	Size        int64   `json:"size"`
	VideoFrames int64   `json:"videoFrames"`
	AudioFrames int64   `json:"audioFrames"`
	Keyframes   int64   `json:"keyframes"`
	VideoCodec  string  `json:"videoCodec"`
	Width       int     `json:"width"`
	Height      int     `json:"height"`
	FrameRate   float64 `json:"frameRate"`
	AudioCodec  string  `json:"audioCodec"`
	SampleRate  int     `json:"sampleRate"`
	Channels    int     `json:"channels"`
	Reason      string  `json:"reason"`
	Error       string  `json:"error"`
	Pinned      bool    `json:"pinned"`
	RemovedBy   string  `json:"removedBy,omitempty"` // the retention rule that removed the file
	EventID     string  `json:"eventId"`
	EventName   string  `json:"eventName"`
	EventDesc   string  `json:"eventDesc"`
	EventLevel  int     `json:"eventLevel"`
	UpdatedTime string  `json:"updatedTime"`
	// Events are the events recorded into the file (list and one
	// recording), oldest first; absent when none.
	Events []event `json:"events,omitempty"`
}

func toJSON(r *index.Recording) recording {
	out := recording{ID: r.ID, Node: r.Node, StreamPath: r.StreamPath, App: r.App, Name: r.Name, Recorder: r.Recorder,
		Format: r.Format, FilePath: r.Path, Status: string(r.Status), StartTime: stamp(r.Start),
		Duration: r.Duration.Seconds(), Size: r.Size, VideoFrames: r.VideoFrames, AudioFrames: r.AudioFrames,
		Keyframes: r.Keyframes, VideoCodec: r.VideoCodec, Width: r.Width, Height: r.Height, FrameRate: r.FrameRate,
		AudioCodec: r.AudioCodec, SampleRate: r.SampleRate, Channels: r.Channels, Reason: r.Reason, Error: r.Error,
		Pinned: r.Pinned, RemovedBy: r.RemovedBy, EventID: r.EventID, EventName: r.EventName, EventDesc: r.EventDesc, EventLevel: r.EventLevel,
		UpdatedTime: stamp(r.Updated)}
	if !r.End.IsZero() {
		e := stamp(r.End)
		out.EndTime = &e
	}
	return out
}

// stamp formats t in RFC 3339 with milliseconds, in UTC.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strconv.Quote(s)
}
