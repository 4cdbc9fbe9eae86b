package mp4

import "time"

// Worst-case sample table bytes per sample: stsz 4, co64 8 and an stts
// entry 8 for every sample; video adds a ctts entry 8 and an stss entry 4.
const (
	videoSampleBytes = 4 + 8 + 8 + 8 + 4
	audioSampleBytes = 4 + 8 + 8
	// fixedRoom covers the movie header without its tables: mvhd, two
	// traks with their sample entries and parameter sets.
	fixedRoom = 8 << 10
)

// Rates assumed until a stream's are measured.
const (
	DefaultVideoFPS = 30
	DefaultAudioFPS = 50
)

// RoomFor is the moov room for d of media at the given frame rates:
// 30 video and 50 audio frames a second need 960 + 1000 bytes a second,
// about 7.1 MB an hour (3.5 MB for video alone, 3.6 MB for audio alone).
func RoomFor(d time.Duration, videoFPS, audioFPS int) int64 {
	sec := int64(d / time.Second)
	if d%time.Second != 0 {
		sec++
	}
	return fixedRoom + sec*int64(videoFPS*videoSampleBytes+audioFPS*audioSampleBytes)
}

// RoomForFrames is the moov room for n frames of either kind.
func RoomForFrames(n int64) int64 { return fixedRoom + n*videoSampleBytes }

// minSampleBytes is the smallest average sample RoomForBytes plans for:
// low-bitrate audio (AAC at 32 kb/s is about 90 bytes a frame). Smaller
// samples outgrow the room, and the moov goes after the media.
const minSampleBytes = 100

// RoomForBytes is the moov room of a file of at most size bytes
// (record_max_size): the tables of size/minSampleBytes samples, about a
// third of size, so that a small size limit does not reserve an hour's
// room.
func RoomForBytes(size int64) int64 { return fixedRoom + size/minSampleBytes*videoSampleBytes }
