#!/usr/bin/env bash
# The main job end to end on the bundled demo data: install dependencies,
# build, make the demo datasets, then initial train -> validate ->
# incremental train -> validate, printing the metrics of both validations.
# Usage: scripts/demo.sh [dataset-root]   (default: in/dataset, SpamAssassin)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh build
cmake -S . -B build -DKS_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
cmake --install build --prefix build/install >/dev/null
bin=build/install/bin
data="${1:-$top/in/dataset}"
if [ "$data" = "$top/in/dataset" ]; then
    in/fetch-demo-data.sh
fi
out="$top/out"
rm -rf "$out"
mkdir -p "$out/model" "$out/metrics-initial" "$out/metrics"

show() {   # metrics.json -> one summary line
    local j; j=$(tr -d ' \n' < "$1")
    printf 'accuracy %s  roc_auc %s  confusion_matrix %s\n' \
        "$(grep -o '"accuracy":[0-9.e-]*' <<<"$j" | head -1 | cut -d: -f2)" \
        "$(grep -o '"roc_auc":[0-9.e-]*' <<<"$j" | cut -d: -f2)" \
        "$(grep -o '"confusion_matrix":\[\[[0-9,]*\],\[[0-9,]*\]\]' <<<"$j" | cut -d: -f2)"
}
echo "== 1. initial training on $data/initial"
"$bin/spam-train" --dataset "$data/initial" --save-to "$out/model"
echo "== 2. validation of the initial model on $data/validate"
"$bin/spam-validate" --dataset "$data/validate" --model "$out/model" --save-to "$out/metrics-initial"
echo "== 3. incremental training on $data/incremental"
"$bin/spam-update" --dataset "$data/incremental" --model "$out/model" --save-to "$out/model"
echo "== 4. validation of the updated model"
"$bin/spam-validate" --dataset "$data/validate" --model "$out/model" --save-to "$out/metrics"
echo
echo "initial model:  $(show "$out/metrics-initial/metrics.json")"
echo "updated model:  $(show "$out/metrics/metrics.json")"
echo "full metrics: $out/metrics/metrics.json, per-message scores: $out/metrics/predictions.csv"
