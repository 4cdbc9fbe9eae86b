package media

// State is what a publish has told about its codecs so far: every track
// with its id and latest configuration, and the publisher's onMetaData. A
// *State is immutable: the Parser publishes a new one when something in it
// changes, so any goroutine may read the one it holds.
type State struct {
	// Tracks in the order they appeared.
	Tracks []*Track
	// Metadata is the publisher's onMetaData as an AMF0 script tag body:
	// the string "onMetaData" followed by its object or ECMA array, with any
	// @setDataFrame prefix removed; nil if none was sent.
	Metadata []byte
}

// Empty is the state of a publish before any message: shared, never
// modified.
var Empty = &State{}

// Track returns the track of kind k with id, or nil.
func (s *State) Track(k Kind, id uint8) *Track {
	if s == nil {
		return nil
	}
	for _, t := range s.Tracks {
		if t.Kind == k && t.ID == id {
			return t
		}
	}
	return nil
}

// Video returns the default video track (id 0), or nil.
func (s *State) Video() *Track { return s.Track(KindVideo, 0) }

// Audio returns the default audio track (id 0), or nil.
func (s *State) Audio() *Track { return s.Track(KindAudio, 0) }

// HasVideo reports whether the stream has a default video track.
func (s *State) HasVideo() bool { return s.Video() != nil }

// with returns a copy of s where t replaces the track of its kind and id.
func (s *State) with(t *Track) *State {
	n := &State{Metadata: s.Metadata, Tracks: make([]*Track, 0, len(s.Tracks)+1)}
	replaced := false
	for _, o := range s.Tracks {
		if o.Kind == t.Kind && o.ID == t.ID {
			o, replaced = t, true
		}
		n.Tracks = append(n.Tracks, o)
	}
	if !replaced {
		n.Tracks = append(n.Tracks, t)
	}
	return n
}
