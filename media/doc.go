// Package media is the codec model shared by the RTMP server, the recorder,
// the FLV reader and the tests: tracks and access units independent of RTMP
// and of any container, and the one classifier of FLV / Enhanced RTMP tag
// bodies (legacy and FourCC audio and video, sequence start and end, coded
// frames with composition time, multitrack with track ids, ModEx).
//
// The pieces, in the order data flows through them:
//
//   - Peek and Classify read one audio or video tag body (an RTMP message
//     body is an FLV tag body): its Header and one Part per track. They
//     never allocate when the caller's Part slice has room.
//   - Parser keeps a publish's codec State (every track with its id and
//     parsed configuration) and turns each message into a Frame holding
//     one Unit per track, with DTS and PTS in milliseconds.
//   - Track holds a track's codec and parsed configuration: AVC, HEVC, AV1
//     and VP9 decoder configuration records, the AAC AudioSpecificConfig,
//     the Opus ID header, FLAC STREAMINFO, MP3 and AC-3 / E-AC-3 frame
//     headers; width, height, frame rate, sample rate and channels.
//   - The parameter rule: a sequence start whose parsed parameters equal
//     the track's current ones is a resend (ParamResend, the state is left
//     as it is); one that changes them is a change (ParamChange), which a
//     container that stores parameters once per file (MP4, HLS) acts on.
//
// Codec configurations are parsed with github.com/bluenviron/mediacommon
// (HEVC SPS, AV1 sequence header, VP9 frame header, MP3, AC-3 and E-AC-3
// frame headers), except the H.264 picture size, read by our own lenient
// SPS reader (avcsps.go) that stops after the cropping fields; the record
// wrappers (avcC, hvcC, av1C, vpcC, OpusHead, STREAMINFO, the
// AudioSpecificConfig's first fields) are read here.
//
// Everything here reads bytes from publishers, so every length is checked
// against the bytes present and malformed input yields an error, never a
// panic; the classifier is fuzzed (FuzzClassify).
package media
