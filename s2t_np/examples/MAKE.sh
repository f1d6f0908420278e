#!/usr/bin/env bash
# How the example clips were made: espeak-ng, then sox to 16 kHz mono 16-bit PCM.
# The sentences use only words of tools/demo_model/words.txt (the demo model's vocabulary) and
# are not among its training sentences. Regenerate with: bash s2t_np/examples/MAKE.sh
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
say() {  # say OUT.wav VOICE SPEED PITCH "TEXT"
  espeak-ng -v "$2" -s "$3" -p "$4" -w "$tmp/raw.wav" "$5"
  sox "$tmp/raw.wav" -r 16000 -c 1 -b 16 "$1"
  printf '%s\t%s\n' "$1" "$5" >> "$tmp/transcripts.tsv"
}
say example.wav en-us 160 50 "the quick brown dog can jump over the big tree"
say example2.wav en-gb-x-rp 150 40 "my sister will cook dinner this evening"
mv "$tmp/transcripts.tsv" transcripts.tsv
