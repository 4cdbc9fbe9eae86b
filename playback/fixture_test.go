package playback

import "github.com/rtmprecd/rtmprecd/playback/playbacktest"

// The fixtures live in playbacktest, shared with recapi's tests.
var (
	epoch     = playbacktest.Epoch
	formats   = playbacktest.Formats
	record    = playbacktest.Record
	newStore  = playbacktest.NewStore
	openMuxer = playbacktest.OpenMuxer
)

type recorded = playbacktest.Recorded
