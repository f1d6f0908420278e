#!/bin/sh
# Regenerates the committed speech clips (espeak-ng 1.51+, sox 14.4). Run from tests/data/.
# espeak-ng writes 22.05 kHz mono int16; sox resamples to 16 kHz int16 mono, -D disables dither
# so the output is deterministic for a given sox build.
set -eu
espeak-ng -v en-us -s 160 -w /tmp/s2t_en_us.wav "Hello world. This is a test."
sox -D /tmp/s2t_en_us.wav -r 16000 -c 1 -b 16 speech_en_us_m.wav
espeak-ng -v en+f3 -s 150 -p 70 -w /tmp/s2t_en_f3.wav "The quick brown fox jumps over the lazy dog, and then it runs far away."
sox -D /tmp/s2t_en_f3.wav -r 16000 -c 1 -b 16 speech_en_f3.wav
espeak-ng -v en-gb-x-rp -s 140 -w /tmp/s2t_en_gb.wav "Speech recognition turns sound into text."
sox -D /tmp/s2t_en_gb.wav -r 16000 -c 1 -b 16 speech_en_gb.wav
espeak-ng -v fr -s 170 -w /tmp/s2t_fr.wav "Bonjour. Un, deux, trois."
sox -D /tmp/s2t_fr.wav -r 16000 -c 1 -b 16 speech_fr.wav
rm -f /tmp/s2t_en_us.wav /tmp/s2t_en_f3.wav /tmp/s2t_en_gb.wav /tmp/s2t_fr.wav
