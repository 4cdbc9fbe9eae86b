// Package record writes published RTMP streams to files with nginx-rtmp's
// record module semantics (record, record_path, record_suffix,
// record_unique, record_append, record_lock, record_max_size,
// record_max_frames, record_interval, record_notify, recorder blocks) and
// fixes its known data-loss bugs.
//
// One node runs per (session, recorder): the application's named recorder
// blocks in order, then its inline recorder. Nodes open their file lazily,
// at the first frame they would write, so publishers that never send media
// or are rejected never create a file. A split for record_max_size,
// record_max_frames or record_interval waits for the next break frame
// (a video key frame, or any audio frame when the recorder records no
// video or the stream has none) and the new file starts with that frame:
// no frame is lost at a split. A split forced by FLV's 32-bit timestamps
// may fall mid-GOP: the new file then starts with the sequence headers and
// goes on with the inter frames. A file this recorder created that got no
// media frame is removed at close, without an Event.
//
// File names are never reused: when the computed name is taken (an earlier
// piece, an earlier session, a same-second record_unique stamp, another
// recorder, a file another stream of this process records), the next free
// "-1", "-2", ... is inserted before the suffix, and after 10,000 of them
// a stamped name. Only record_append opens an existing file, and then only
// to append after its last valid tag, shifting timestamps past the
// largest one in it; a file damaged before its tail is left alone. Below
// record_path no link is ever followed.
//
// With record_notify on, the publisher gets onStatus NetStream.Record.Start
// and NetStream.Record.Stop (level "status") with the recorder name as
// description. A failed open, write or close sends NetStream.Record.Failed
// with level "warning", not nginx-rtmp's "error": ffmpeg (and tools built on
// libavformat) abort the publish on any onStatus of level "error", and a
// recorder must never drop the publisher.
//
// The container is a format (record_format, package record/format): the
// policy above (admission, naming, splitting at break frames, limits,
// locks, events) lives here and does not change with the format; a
// format's muxer, fed with the media package's tracks and units, lays the
// samples out and declares what it can carry (format.Caps): a track whose
// codec the format cannot carry is left out (one warning per file, named
// in the Event), and a format that stores codec parameters once per file
// gets a new file at a parameter change. FLV is in record/format/flv,
// MP4 and fragmented MP4 in record/format/mp4 and record/format/fmp4.
// FLV files are written
// through a buffer of whole tags (64 KiB by default),
// flushed at every video keyframe, when full, at least every second and
// at close, so a file ends at a tag boundary at every instant and a crash
// loses at most about a second; record_fsync makes each flush durable. A
// write error (ENOSPC, EIO, EFBIG, EDQUOT, ...) cuts the file back to its
// last whole tag, closes it with an error Event and retries with a new
// file at a break frame, backing off while the failure lasts.
//
// Every file starts with an onMetaData tag reserved at open and patched
// in place at close: duration, filesize, codec ids, picture size, audio
// parameters, the publisher's other fields and a keyframes index (times,
// filepositions) that players use to seek. Until then it holds a valid
// placeholder without duration, so a file left by a crash is valid and
// recognisably unfinished.
//
// Frames arrive classified by the media package, with the session's codec
// state (media.State): a file starts with the latest sequence start of
// each track it records (AVC/HEVC/AV1/VP9 records, AAC, Opus, FLAC ...).
// Of a multitrack stream, the default track of each kind (id 0) is
// recorded, rebuilt as plain single-track Enhanced RTMP tags; the other
// tracks are ignored with one log line per publish.
//
// Every closed file that holds media, or was appended to, produces one
// Event for the record-done subscribers (Module.Events), after the file
// is closed and its header fixed. FileEvents tell the recordings index
// when a file opens and when an empty one is discarded, in order with the
// record-done Events.
//
// Segments subscribers follow every file through its life (opened,
// closed, discarded) off the media path, each through its own bounded
// queue (a slow subscriber loses events, counted, never stalls a stream).
package record
