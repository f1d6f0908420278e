#!/usr/bin/env bash
# Rebuild the shipped demo model from scratch with one command (fixed seeds throughout):
#   tools/demo_model/run.sh
# ~10 min of data preparation, ~85 min of training (stages A-D, 1 torch thread) and ~32 min of
# stage E (2 threads) on 2 CPU cores.
# Steps: corpus + espeak-ng synthesis + cached features -> sentencepiece -> training ->
# export into s2t_np/demo/ -> WER evaluation with both backends -> example / held-out clips.
#
# Training is the chain of resumed runs that produced the shipped model (see docs/demo_model.md,
# "Training"), replayed by global step instead of wall-clock minutes:
#   A  CTC + attention, no decoder token noise            steps     0-1672
#   B  short utterances only (<= 6 words), no token noise  steps  1672-2558, full data to 2565
#   C  decoder token noise 0.25                            steps  2565-6870
#   D  the same, learning rate annealed to 5% at the end   steps  6870-8693 (anneal over the last ~1480 steps)
set -euo pipefail
cd "$(dirname "$0")"
PY=${PY:-../../.venv/bin/python}
BACKENDS=${BACKENDS:-transformers s2t_np}
FINAL_STEP=${FINAL_STEP:-8693}
STOP_E=${STOP_E:-2221}  # where the shipped run stopped (its 32-minute limit)
ANNEAL_STEPS=${ANNEAL_STEPS:-1480}
T="--threads 1 --max-minutes 100000"
mkdir -p work
rm -f work/ckpt_last.pt work/ckpt_best.pt
$PY make_data.py
$PY make_tokenizer.py
$PY train.py $T --token-noise 0 --max-steps 1672 2>&1 | tee work/train_A.log
$PY train.py $T --resume --token-noise 0 --curriculum-steps 2558 --max-steps 2565 2>&1 | tee work/train_B.log
$PY train.py $T --resume --max-steps 6870 2>&1 | tee work/train_C.log
$PY train.py $T --resume --max-steps "$FINAL_STEP" --anneal-steps "$ANNEAL_STEPS" 2>&1 | tee work/train_D.log
$PY train.py --threads 2 --max-minutes 100000 --eval-minutes 5 --init work/ckpt_best.pt --ckpt-prefix ckptE \
  --train-split train2 --dev-split dev2 --lr 1e-3 --warmup 200 --max-steps 2400 --anneal-steps 700 \
  --stop-step "$STOP_E" 2>&1 | tee work/train_E.log
$PY export.py --ckpt work/ckptE_best.pt
for b in $BACKENDS; do
  for s in test test_variants test_noisy unseen unseen_variants nonspeech; do
    $PY evaluate.py --backend "$b" --set "$s"
  done
done
$PY evaluate.py --compare work/hyps_transformers_test.json work/hyps_s2t_np_test.json
$PY make_examples.py
