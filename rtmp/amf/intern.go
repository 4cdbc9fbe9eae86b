package amf

import "math"

// intern returns p as a string in an interface, without allocating when
// it is one of the keys and names that every RTMP command or metadata
// message repeats, so a typical connect decodes with few allocations. The
// switch on string(p) compiles to comparisons that do not allocate, and a
// constant string boxes without allocating.
func intern(p []byte) any {
	switch string(p) {
	case "":
		return ""
	case "app":
		return "app"
	case "type":
		return "type"
	case "flashVer":
		return "flashVer"
	case "swfUrl":
		return "swfUrl"
	case "tcUrl":
		return "tcUrl"
	case "fpad":
		return "fpad"
	case "capabilities":
		return "capabilities"
	case "audioCodecs":
		return "audioCodecs"
	case "videoCodecs":
		return "videoCodecs"
	case "videoFunction":
		return "videoFunction"
	case "pageUrl":
		return "pageUrl"
	case "objectEncoding":
		return "objectEncoding"
	case "fourCcList":
		return "fourCcList"
	case "nonprivate":
		return "nonprivate"
	case "connect":
		return "connect"
	case "releaseStream":
		return "releaseStream"
	case "FCPublish":
		return "FCPublish"
	case "FCUnpublish":
		return "FCUnpublish"
	case "createStream":
		return "createStream"
	case "publish":
		return "publish"
	case "deleteStream":
		return "deleteStream"
	case "closeStream":
		return "closeStream"
	case "live":
		return "live"
	case "_result":
		return "_result"
	case "_error":
		return "_error"
	case "onStatus":
		return "onStatus"
	case "level":
		return "level"
	case "code":
		return "code"
	case "description":
		return "description"
	case "@setDataFrame":
		return "@setDataFrame"
	case "onMetaData":
		return "onMetaData"
	}
	return internMeta(p)
}

// internMeta covers the onMetaData keys that ffmpeg and OBS send.
func internMeta(p []byte) any {
	switch string(p) {
	case "duration":
		return "duration"
	case "fileSize":
		return "fileSize"
	case "width":
		return "width"
	case "height":
		return "height"
	case "videocodecid":
		return "videocodecid"
	case "videodatarate":
		return "videodatarate"
	case "framerate":
		return "framerate"
	case "audiocodecid":
		return "audiocodecid"
	case "audiodatarate":
		return "audiodatarate"
	case "audiosamplerate":
		return "audiosamplerate"
	case "audiosamplesize":
		return "audiosamplesize"
	case "audiochannels":
		return "audiochannels"
	case "stereo":
		return "stereo"
	case "encoder":
		return "encoder"
	}
	return string(p)
}

// smallNumbers holds the integers 0..255 already boxed: transaction ids,
// codec ids and flags are small integers, and boxing a float64 allocates.
var smallNumbers = func() (t [256]any) {
	for i := range t {
		t[i] = float64(i)
	}
	return t
}()

// boxNumber returns f in an interface, shared for small integers.
func boxNumber(f float64) any {
	if f >= 0 && f < 256 && f == float64(int(f)) && !(f == 0 && math.Signbit(f)) {
		return smallNumbers[int(f)]
	}
	return f
}
