package rtmp

import "github.com/rtmprecd/rtmprecd/media"

// Frame is one audio, video or data message handed to AVHook.OnAV; the
// media package defines it with the classification of its tracks.
type Frame = media.Frame

// Message types a Frame can carry (media.TypeAudio etc.).
const (
	TypeAudio = media.TypeAudio
	TypeVideo = media.TypeVideo
	TypeData  = media.TypeData
)
