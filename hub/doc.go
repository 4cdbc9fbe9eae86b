// Package hub is the stream hub: one Stream per published stream, between
// ingest (the rtmp package, which classifies every message with the media
// package) and the consumers of the stream.
//
// A Stream holds what every consumer shares: the codec state (media
// tracks and their configuration), the byte, frame and bitrate counters
// that /stat, /control/status, the metrics and notify's on_update read,
// and the attachment point for readers. Ingest calls Write once per
// message; nothing else counts media.
//
// Readers come in two classes:
//
//   - Recorders (Stream.Start's list; rtmp.AVHook in practice) run
//     synchronously on the publisher's goroutine, in module order, and
//     see every frame. A recorder that is slow (a slow disk) pushes back
//     on the publisher, through TCP, rather than lose data: a recording
//     is complete or it failed, never silently thinned.
//   - Any other reader (Stream.Attach: a live player, an event or
//     schedule recorder's pre-roll consumer) gets a bounded queue and its
//     own goroutine. When its queue is full the frame is dropped for that
//     reader and counted (Attachment.Dropped): such a reader can never
//     stall ingest or the recorders.
//
// The GOP cache (the frames since the last video key frame) exists only
// while a reader that asked for it (ReaderOptions.GOP) is attached: plain
// recorders read the codec state, not the cache, so a stream that only
// records keeps no copy of its media.
//
// Ownership: the Frame given to Write and to recorders is valid only
// during the call (it aliases the publisher's read buffer); queued readers
// get their own copy, valid until their Read returns.
package hub
