#!/bin/sh
# mkbenchclip.sh makes the benchmark clip from ffmpeg's lavfi sources only,
# so nothing is downloaded and the clip can be rebuilt anywhere: 1280x720,
# 30 fps, H.264 at a constant 2.5 Mbit/s (filler keeps the rate up on the
# easy synthetic picture), a key frame every 2 s, AAC stereo 128 kbit/s.
#
# usage: mkbenchclip.sh OUTPUT.flv [DURATION_SECONDS]   (default 60)
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 OUTPUT.flv [DURATION_SECONDS]" >&2
	exit 2
fi
out=$1
dur=${2:-60}
case "$dur" in
'' | *[!0-9]*) echo "mkbenchclip: duration must be whole seconds, got '$dur'" >&2; exit 2 ;;
esac

# Write next to the target and rename, so an interrupted run never leaves
# a short clip where the bench runner would take it for a finished one.
tmp="$out.tmp.$$.flv"
trap 'rm -f "$tmp"' EXIT
ffmpeg -hide_banner -loglevel error -nostdin -y \
	-f lavfi -i "testsrc2=size=1280x720:rate=30:duration=${dur}" \
	-f lavfi -i "sine=frequency=440:sample_rate=48000:duration=${dur}" \
	-c:v libx264 -profile:v high -preset veryfast -pix_fmt yuv420p \
	-g 60 -keyint_min 60 -sc_threshold 0 \
	-b:v 2500k -minrate 2500k -maxrate 2500k -bufsize 2500k -x264-params nal-hrd=cbr:force-cfr=1 \
	-c:a aac -ac 2 -ar 48000 -b:a 128k \
	-t "$dur" -map_metadata -1 -f flv "$tmp"
mv "$tmp" "$out"
trap - EXIT
