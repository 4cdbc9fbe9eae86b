// Package notify implements nginx-rtmp's on_* HTTP callbacks and exec_*
// commands for rtmprecd.
//
// Module is an rtmp.Module that must come first in the module list: its
// on_connect and on_publish decide before any other module (and before any
// file exists), may rename the stream, and its OnClose therefore runs last,
// after the recorders closed their files. Record-done events reach it
// through RecordDone, which the daemon subscribes to the record module.
//
// Every session has one queue: calls are sent one at a time in the order
// they were issued, so a healthy receiver sees each file's record_done,
// then publish_done, then done. Calls never block other sessions or the
// media path; on_connect and on_publish block only their own command.
//
// # Requests
//
// Parameters are nginx-rtmp's, in its order: app, flashver, swfurl,
// tcurl, pageurl, addr, clientid, call, then the event's (name, type,
// recorder, path, ...), then rtmprecd's extra fields, then the client's own
// query args, unescaped, so a receiver that takes the first occurrence of a
// key cannot be fooled by a client. Extra fields: stream (the name in use
// after an on_publish rename; name stays the requested one, as nginx) and
// reason on publish_done, done and update_publish; on record_done also
// size, duration (seconds), video_frames, audio_frames, start and end
// (RFC 3339, UTC) and error.
//
// # Differences from nginx-rtmp
//
//   - record_done is sent before publish_done and done: nginx sends
//     publish_done first, while the file may still be open.
//   - A 3xx to on_publish whose Location is rtmp://... (a relay) denies
//     the publish with a log line; a 3xx to on_connect that names another
//     application refuses the connection.
//   - netcall_timeout bounds the whole call, not each step.
//   - record_done, publish_done and done are retried (Module.Retries,
//     with backoff) when there is no answer or a 5xx.
//   - An on_update that cannot reach its receiver drops the publisher (nginx
//     silently stops updating); notify_update_strict adds 3xx, as nginx.
//   - A GET to a URL that already has a query joins with '&' (nginx adds a
//     second '?'); spaces and control bytes in the client's args are
//     percent-encoded.
//   - on_connect uses the application's notify_method.
//   - exec redirections are recognised on the word as written, before
//     variables are expanded, so a stream name can never become one, and
//     the client's values in their targets are escaped as recording names
//     are (record.EscapeName), so a stream name cannot leave the target's
//     directory; exec_timeout can bound a command.
//   - At most exec_max_children commands run at once in the process (the
//     daemon commits it through Module.Prepare, the module being one of
//     its services); the next ones wait in order (Module.MaxQueued)
//     without a goroutine each, later ones are dropped, logged and counted.
//   - A command logs one line when it ends: its exit status and duration,
//     and the tail of its stderr only when it failed, was killed or timed
//     out.
//
// As in nginx-rtmp, exec_publish runs once on_publish allowed the publish,
// and a publisher that a later module (access, a duplicate name) refuses
// still gets publish_done and done; it never gets a record_done.
package notify
