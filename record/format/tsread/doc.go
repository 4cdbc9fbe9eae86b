// Package tsread is the one MPEG-TS demultiplexing layer (ISO/IEC
// 13818-1) of the readers of recordings: crash repair of HLS segments
// (record/format/hls) and the export of HLS recordings (playback). It
// reads transport packets and their adaptation fields, the program
// tables (PAT, PMT: stream types, PIDs, the Opus registration
// descriptor) and PES headers (PTS, DTS, length), and holds the rule of
// where a PES packet ends: at the next packet of its PID that starts a
// unit, when its PES_packet_length bytes came, or at the segment's end.
// What a caller does with the PES packets (repair's cut, the export's
// samples) stays with it.
//
// It shares no code with the packetizer of record/format/hls: a segment
// is input we did not just write, and a reader that mirrored the writer
// would share its mistakes. internal/tscheck, the strict checker of the
// tests, is independent of both.
package tsread
