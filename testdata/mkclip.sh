#!/bin/sh
# mkclip.sh makes the tiny FLV test clip from ffmpeg's lavfi sources only, so
# no media is ever downloaded and the clip can be rebuilt anywhere.
#
# usage: mkclip.sh [-a|-v] OUTPUT.flv [DURATION_SECONDS] [WIDTHxHEIGHT]
#   -a  audio only (AAC)       -v  video only (H.264)
#   defaults: 4 seconds, 160x120
#
# H.264 baseline, 25 fps, one keyframe per second (GOP 25, no scene-cut
# keyframes) so tests can count keyframes; AAC mono 44.1 kHz. Bitexact flags
# keep the output stable across runs of the same ffmpeg build.
set -eu

mode=av
case "${1:-}" in
-a) mode=audio; shift ;;
-v) mode=video; shift ;;
esac

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
	echo "usage: $0 [-a|-v] OUTPUT.flv [DURATION_SECONDS] [WIDTHxHEIGHT]" >&2
	exit 2
fi
out=$1
dur=${2:-4}
size=${3:-160x120}

case "$dur" in
'' | *[!0-9]*) echo "mkclip: duration must be whole seconds, got '$dur'" >&2; exit 2 ;;
esac
case "$size" in
*[!0-9x]* | x* | *x | *x*x*) echo "mkclip: size must be WIDTHxHEIGHT, got '$size'" >&2; exit 2 ;;
*x*) ;;
*) echo "mkclip: size must be WIDTHxHEIGHT, got '$size'" >&2; exit 2 ;;
esac

video_in="-f lavfi -i testsrc2=size=${size}:rate=25:duration=${dur}"
audio_in="-f lavfi -i sine=frequency=440:sample_rate=44100:duration=${dur}"
video_enc="-c:v libx264 -profile:v baseline -preset veryfast -tune zerolatency
 -pix_fmt yuv420p -g 25 -keyint_min 25 -sc_threshold 0 -b:v 100k -maxrate 100k
 -bufsize 200k -threads 1 -flags:v +bitexact"
audio_enc="-c:a aac -ac 1 -ar 44100 -b:a 32k -flags:a +bitexact"

case "$mode" in
av) inputs="$video_in $audio_in"; enc="$video_enc $audio_enc" ;;
video) inputs="$video_in"; enc="$video_enc -an" ;;
audio) inputs="$audio_in"; enc="$audio_enc -vn" ;;
esac

# shellcheck disable=SC2086 # word splitting of the option lists is intended
exec ffmpeg -hide_banner -loglevel error -nostdin -y $inputs $enc \
	-t "$dur" -fflags +bitexact -map_metadata -1 -f flv "$out"
