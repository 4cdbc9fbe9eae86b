package testmedia

import (
	"encoding/json"
	"strconv"
	"testing"
)

// PlacedPacket is a packet as ffprobe reads it with where its data lies
// in the file: Pos is ffprobe's byte position (in MPEG-TS, of the
// transport packet its PES packet starts in), Size its data's bytes.
type PlacedPacket struct {
	Packet
	Pos, Size int64
}

// PlacedPackets is Packets with each packet's position in the file, for
// tests that cut files at known places (crash repair).
func PlacedPackets(t testing.TB, path string) []PlacedPacket {
	t.Helper()
	return probePackets(t, path, true)
}

// probePackets runs ffprobe on path's packets; with placed, their
// positions and sizes too (which must then be numbers).
func probePackets(t testing.TB, path string, placed bool) []PlacedPacket {
	t.Helper()
	entries := "packet=codec_type,pts_time,dts_time,flags"
	if placed {
		entries += ",pos,size"
	}
	out := ffprobe(t, "-show_entries", entries, "-of", "json", path)
	var res struct {
		Packets []struct {
			CodecType string `json:"codec_type"`
			PTS       string `json:"pts_time"`
			DTS       string `json:"dts_time"`
			Flags     string `json:"flags"`
			Pos       string `json:"pos"`
			Size      string `json:"size"`
		} `json:"packets"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("testmedia: ffprobe %s: decode json: %v", path, err)
	}
	num := func(s string, scale float64) int64 {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("testmedia: ffprobe %s: number %q: %v", path, s, err)
		}
		if f < 0 {
			return int64(f*scale - 0.5)
		}
		return int64(f*scale + 0.5)
	}
	var ps []PlacedPacket
	for _, p := range res.Packets {
		pp := PlacedPacket{Packet: Packet{Video: p.CodecType == "video", PTS: num(p.PTS, 1000), DTS: num(p.DTS, 1000),
			Key: len(p.Flags) > 0 && p.Flags[0] == 'K'}}
		if placed {
			pp.Pos, pp.Size = num(p.Pos, 1), num(p.Size, 1)
		}
		ps = append(ps, pp)
	}
	return ps
}
