#!/usr/bin/env bash
# Rebuild the shipped demo model from scratch with one command (fixed seeds throughout):
#   tools/demo_model/run.sh            # ~5 min data + ~62 min training on 2 CPU cores
# Steps: corpus + espeak-ng synthesis + cached features -> sentencepiece -> training ->
# export into s2t_np/demo/ -> WER evaluation (transformers; add s2t_np with BACKENDS).
set -euo pipefail
cd "$(dirname "$0")"
PY=${PY:-../../.venv/bin/python}
MINUTES=${MINUTES:-62}
BACKENDS=${BACKENDS:-transformers s2t_np}
mkdir -p work
$PY make_data.py
$PY make_tokenizer.py
$PY train.py --max-minutes "$MINUTES" 2>&1 | tee work/train.log
$PY export.py
for b in $BACKENDS; do
  $PY evaluate.py --backend "$b" --set test
  $PY evaluate.py --backend "$b" --set unseen
done
$PY make_examples.py
