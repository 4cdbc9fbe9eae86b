package record

import "github.com/rtmprecd/rtmprecd/media"

// sample is one tag handed to a writer.
type sample struct {
	Type      uint8 // media.TypeAudio or media.TypeVideo
	Time      int64 // ms since the file's first admitted frame (plus the append shift); ≥ 0
	Payload   []byte
	Keyframe  bool
	SeqHeader bool // a sequence header: a copy from the codec state or in-band
	EndOfSeq  bool // an end-of-sequence message
	// Track is the sample's track, what the codec state says about it
	// (onMetaData); nil when unknown.
	Track *media.Track
}

// writer is one open output file in some container format. Nodes decide
// what goes into which file; a writer only lays samples out. The FLV
// writer is the first; MP4, fMP4 and HLS writers implement the same
// interface, so node logic does not change when a format is added.
type writer interface {
	// Write appends one sample. Payload is valid only during the call.
	// On error the file has been cut back to its last complete sample,
	// later calls fail, and the node closes the writer.
	Write(s sample) error
	// Size is the file size in bytes so far, buffered samples included
	// (record_max_size, the record-done event).
	Size() int64
	// Flush writes buffered samples to the file (and, with record_fsync,
	// makes them durable). Writers flush by themselves when their buffer
	// is full, at keyframes and when a write finds the buffer older than
	// the flush period; the module calls Flush for streams that stall.
	// An error has the same meaning as Write's.
	Flush() error
	// Close finishes the file (headers, indexes, locks) and closes it.
	Close() error
}
