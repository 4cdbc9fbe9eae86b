package sqlite

import (
	"database/sql"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
)

// columns are the row's columns but id, in the order of values and scan.
var columns = []string{
	"stream_path", "app", "name", "recorder", "format", "path", "status",
	"start_ms", "end_ms", "duration_ms", "size", "video_frames", "audio_frames", "keyframes",
	"video_codec", "width", "height", "frame_rate", "audio_codec", "sample_rate", "channels",
	"reason", "error", "pinned", "event_id", "event_name", "event_desc", "event_level", "updated_ms",
	"removed_by",
}

var (
	columnList   = strings.Join(columns, ", ")
	placeholders = strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ")
	selectRow    = "SELECT id, " + columnList + " FROM recordings"
)

func values(r *index.Recording) []any {
	return []any{
		r.StreamPath, r.App, r.Name, r.Recorder, r.Format, r.Path, string(r.Status),
		index.UnixMS(r.Start), index.UnixMS(r.End), r.Duration.Milliseconds(), r.Size, r.VideoFrames, r.AudioFrames, r.Keyframes,
		r.VideoCodec, r.Width, r.Height, r.FrameRate, r.AudioCodec, r.SampleRate, r.Channels,
		r.Reason, r.Error, r.Pinned, r.EventID, r.EventName, r.EventDesc, r.EventLevel, index.UnixMS(r.Updated),
		r.RemovedBy,
	}
}

func scan(s interface{ Scan(...any) error }) (index.Recording, error) {
	var r index.Recording
	var status string
	var start, end, dur, upd int64
	err := s.Scan(&r.ID,
		&r.StreamPath, &r.App, &r.Name, &r.Recorder, &r.Format, &r.Path, &status,
		&start, &end, &dur, &r.Size, &r.VideoFrames, &r.AudioFrames, &r.Keyframes,
		&r.VideoCodec, &r.Width, &r.Height, &r.FrameRate, &r.AudioCodec, &r.SampleRate, &r.Channels,
		&r.Reason, &r.Error, &r.Pinned, &r.EventID, &r.EventName, &r.EventDesc, &r.EventLevel, &upd,
		&r.RemovedBy)
	r.Status = index.Status(status)
	r.Start, r.End, r.Updated = index.FromUnixMS(start), index.FromUnixMS(end), index.FromUnixMS(upd)
	r.Duration = time.Duration(dur) * time.Millisecond
	return r, err
}

func scanAll(rows *sql.Rows) ([]index.Recording, error) {
	defer rows.Close()
	var out []index.Recording
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
