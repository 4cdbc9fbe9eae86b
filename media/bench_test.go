package media

import "testing"

// steadyMessages are the messages of a publish in steady state, after
// their sequence starts: no new track, codec or parameters.
func steadyMessages() (setup, steady []struct {
	typ  uint8
	body []byte
}) {
	type msg = struct {
		typ  uint8
		body []byte
	}
	nal := make([]byte, 4000)
	setup = []msg{
		{TypeVideo, cat([]byte{0x17, 0, 0, 0, 0}, avcRecord(0x42))},
		{TypeAudio, cat([]byte{0xAF, 0}, aacASC)},
		{TypeVideo, cat([]byte{0x90 | exMultitrackV, ManyTracks<<4 | 0}, fcc("hvc1"),
			[]byte{1}, u24(len(hevcRecord())), hevcRecord(), []byte{2}, u24(len(hevcRecord())), hevcRecord())},
		{TypeAudio, cat([]byte{0x95, OneTrack<<4 | 0}, fcc("Opus"), []byte{1}, opusHead())},
	}
	steady = []msg{
		{TypeVideo, cat([]byte{0x27, 1, 0, 0, 40}, nal)},
		{TypeAudio, cat([]byte{0xAF, 1}, nal[:300])},
		{TypeVideo, cat([]byte{0x90 | exMultitrackV, ManyTracks<<4 | 1}, fcc("hvc1"),
			[]byte{1}, u24(3+1000), u24(40), nal[:1000], []byte{2}, u24(3+1000), u24(40), nal[:1000])},
		{TypeAudio, cat([]byte{0x95, ManyTracksManyCodecs<<4 | 1}, fcc("Opus"), []byte{1}, u24(200), nal[:200],
			fcc(".mp3"), []byte{2}, u24(len(mp3Frame)+400), mp3Frame, nal[:400])},
	}
	return setup, steady
}

// BenchmarkParserMedia classifies a steady mix of messages: legacy AVC and
// AAC on the default tracks, two HEVC tracks in one multitrack message,
// Opus and MP3 tracks in one multitrack message: 0 allocs per message.
func BenchmarkParserMedia(b *testing.B) {
	var p Parser
	setup, steady := steadyMessages()
	for _, m := range setup {
		p.Media(m.typ, 0, m.body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m := steady[i%len(steady)]
		p.Media(m.typ, int64(i), m.body)
	}
}

// BenchmarkClassify is the classifier alone on a legacy AVC frame.
func BenchmarkClassify(b *testing.B) {
	body := cat([]byte{0x27, 1, 0, 0, 40}, make([]byte, 4000))
	parts := make([]Part, 0, 4)
	b.ReportAllocs()
	for b.Loop() {
		_, parts, _ = Classify(TypeVideo, body, parts)
	}
}

// TestParserDoesNotAllocate: in steady state a message costs no
// allocation, whatever its form.
func TestParserDoesNotAllocate(t *testing.T) {
	var p Parser
	setup, steady := steadyMessages()
	for _, m := range setup {
		p.Media(m.typ, 0, m.body)
	}
	for _, m := range steady {
		p.Media(m.typ, 0, m.body) // learns MP3 parameters once
	}
	for _, m := range steady {
		if n := testing.AllocsPerRun(100, func() { p.Media(m.typ, 1, m.body) }); n != 0 {
			t.Errorf("%x...: %v allocations per message", m.body[:2], n)
		}
	}
}
