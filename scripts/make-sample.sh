#!/usr/bin/env bash
# Regenerates the built-in sample stream in sample/: 36 s of test pattern + tone,
# H.264/AAC in 4 s MPEG-TS segments, as an HLS VOD playlist (sample/stream.m3u8).
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=sample
DURATION=36

command -v ffmpeg >/dev/null || { echo "ffmpeg not found (apt-get install -y ffmpeg)" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/seg*.ts "$OUT"/stream.m3u8

# Fixed 2 s GOP (-g/-keyint_min 50 at 25 fps, no scene-cut keyframes) so every 4 s segment
# starts on a keyframe; bitrate capped so the whole sample stays under ~3 MB.
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=size=640x360:rate=25:duration=${DURATION}" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=${DURATION}" \
  -map 0:v -map 1:a \
  -c:v libx264 -profile:v main -pix_fmt yuv420p -preset veryfast \
  -g 50 -keyint_min 50 -sc_threshold 0 \
  -b:v 450k -maxrate 500k -bufsize 1000k \
  -c:a aac -ac 2 -ar 48000 -b:a 96k \
  -f hls -hls_time 4 -hls_playlist_type vod \
  -hls_segment_filename "$OUT/seg%03d.ts" "$OUT/stream.m3u8"

echo "wrote $(ls "$OUT"/seg*.ts | wc -l) segments, $(du -ch "$OUT"/seg*.ts | tail -1 | cut -f1) total, to $OUT/"
