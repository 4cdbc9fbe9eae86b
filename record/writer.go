package record

// sample is one tag handed to a writer.
type sample struct {
	Type      uint8 // rtmp.TypeAudio or rtmp.TypeVideo
	Time      int64 // ms since the file's first admitted frame (plus the append shift); ≥ 0
	Payload   []byte
	Keyframe  bool
	SeqHeader bool // a sequence header: a copy from the codec state or in-band
}

// writer is one open output file in some container format. Nodes decide
// what goes into which file; a writer only lays samples out. The FLV
// writer is the first; MP4, fMP4 and HLS writers implement the same
// interface, so node logic does not change when a format is added.
type writer interface {
	// Write appends one sample. Payload is valid only during the call.
	// On error the file still ends with the last complete sample, and the
	// node closes the writer.
	Write(s sample) error
	// Size is the file size in bytes so far (record_max_size).
	Size() int64
	// Close finishes the file (headers, indexes, locks) and closes it.
	Close() error
}
