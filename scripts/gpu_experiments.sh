#!/usr/bin/env bash
# One device call: the whole issue-4 grid on a lent GPU (see scripts/gpu_experiments.py).
#   bash scripts/gpu_experiments.sh BUDGET_SECONDS
# Expects the CCP photos in .gpu_data/ccp-garments and Keras' wheels in .whl/ (both carried,
# both ignored by git). Writes $OUT/results.json, $OUT/log.txt and the best candidate's weights.
set -u
budget=${1:-480}
start=$(date +%s)
out=${OUT:-/tmp/gpu_out}
mkdir -p "$out"
exec > >(tee "$out/log.txt") 2>&1
export PYTHONUNBUFFERED=1
py=${PY:-python3}
[ -n "${SKIP_WHEELS:-}" ] || python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    || { echo "cannot install the carried wheels"; exit 1; }
export PYTHONPATH=/tmp/site:$PWD
nvidia-smi -L
script=scripts/gpu_experiments.py
export KERAS_BACKEND=jax
if [ -n "${SKIP_SMOKE:-}" ]; then :
elif ! timeout 120 $py $script smoke; then
    export KERAS_BACKEND=torch
    timeout 120 $py $script smoke || exit 1
fi
echo "backend $KERAS_BACKEND, $(( $(date +%s) - start )) s in"
$py $script prepare --data .gpu_data/ccp-garments --split resources/splits/ccp_split.json --cache "${CACHE:-/tmp/cache}" ${ONLY:+--only $ONLY} || exit 1
echo "prepared, $(( $(date +%s) - start )) s in"
# Results come back even if the call is cut short: collect every 15 s.
( while true; do $py $script collect --runs "${RUNS:-/tmp/runs}" --out "$out" >/dev/null 2>&1; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader >> "$out/gpu.txt" 2>/dev/null; sleep 15; done ) &
collector=$!
$py $script schedule --cache "${CACHE:-/tmp/cache}" --runs "${RUNS:-/tmp/runs}" --deadline $(( start + budget - 25 )) --slots ${SLOTS:-6} --eval-margin ${EVAL_MARGIN:-45} ${ONLY:+--only $ONLY} ${LIMIT:+--limit $LIMIT --max-epochs 2}
kill $collector
$py $script collect --runs "${RUNS:-/tmp/runs}" --out "$out" --weights
tail -n 3 "${RUNS:-/tmp/runs}"/logs/*.log
nvidia-smi --query-gpu=memory.used,utilization.gpu --format=csv
echo "done in $(( $(date +%s) - start )) s"
