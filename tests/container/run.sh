#!/usr/bin/env bash
# shellcheck disable=SC2317,SC2016,SC2012
# (SC2317: functions run through check() and traps; SC2016: the single-quoted
# scripts are for the shell inside the container.)
# The container test: the three images, built for real and run as the
# walkthrough's step 2 runs them (docker run with mounted folders), plus the
# failure paths a Knitfab Run meets.
#
#   bash tests/container/run.sh
#
# 1. Starts a Docker engine if none answers (scripts/docker-engine.sh) and
#    stops it at exit if it started it.
# 2. Makes debian:bookworm-slim if missing (scripts/make-base-image.sh).
# 3. Builds the three images with the walkthrough's commands (-f paths ours),
#    checks the build stage is shared from cache, sizes, labels, contents.
# 4. Walkthrough steps 2.1-2.5 on the demo data (in/fetch-demo-data.sh):
#    initial train -> validate -> incremental train -> validate, checking
#    metrics.json each time.
# 5. Failure paths: missing /in/model, read-only inputs and root file system,
#    an existing empty output folder, a non-root user.
#
# Prints one line per check, the time of each phase, and a final
# "N passed, M failed"; exits 1 when anything failed.
#
# Environment:
#   KS_DATASET_DIR    demo data (default: in/dataset, made by in/fetch-demo-data.sh)
#   KS_MIN_ACCURACY_INITIAL, KS_MIN_ACCURACY_UPDATED
#                     accuracy floors for metrics.json after 2.2 and 2.5
#                     (default 0.75 and 0.90)
#   KS_MAX_ADDED_MB   size budget per image above the base (default 15)
#   KS_BUILD_NETWORK  docker build --network (default host: our engine has no bridge)
#   KS_KEEP_WORK=1    keep the scratch folder with models and metrics
# Needs (Debian): docker.io debootstrap python3 python3-yaml, and root.
set -uo pipefail


ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 1

# Floors set from real runs (docs/knitfab.md): the initial model scored
# 0.821-0.845 on the validate split, the updated one 0.941-0.951. Calling
# every message ham scores 0.688 (854 of 1241), so 0.75 still catches a
# broken model while leaving room for tuning.
MIN_ACC_INITIAL="${KS_MIN_ACCURACY_INITIAL:-0.75}"
MIN_ACC_UPDATED="${KS_MIN_ACCURACY_UPDATED:-0.90}"
MAX_ADDED_MB="${KS_MAX_ADDED_MB:-15}"
BUILD_NETWORK="${KS_BUILD_NETWORK:-host}"
STAGES=(initial-train incremental-train validate)
declare -A PROG=([initial-train]=spam-train [incremental-train]=spam-update
                 [validate]=spam-validate)

PASSED=0
FAILED=0
LAST_RC=0
T_START=$SECONDS
T_PHASE=$SECONDS
KS_DOCKERD_STARTED=0
W="$(mktemp -d /var/tmp/ks-container-test.XXXXXX)"

ok() { PASSED=$((PASSED + 1)); echo "ok   $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
check() { # description command...
    local desc="$1"; shift
    if "$@"; then ok "$desc"; else fail "$desc"; fi
}
phase() {
    echo "---- $* (previous phase took $((SECONDS - T_PHASE)) s)"
    T_PHASE=$SECONDS
}
show() { sed 's/^/     | /' "$@"; }

# shellcheck disable=SC2317  # called by the EXIT trap
finish() {
    local rc=$?
    if [[ "${KS_KEEP_WORK:-0}" == 1 ]]; then
        echo "scratch folder kept: $W"
    else
        rm -rf "$W"
    fi
    if [[ "$KS_DOCKERD_STARTED" == 1 ]]; then
        "$ROOT/scripts/docker-engine.sh" stop
    fi
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

summary_and_exit() {
    # vfs stores every layer in full: on the private engine (never on one we
    # merely found running) drop untagged images older than two hours, the
    # leftovers of earlier runs; this run's build cache is newer and stays.
    if [[ "${DOCKER_HOST:-}" == "unix://${KS_DOCKER_DIR:-/var/tmp/ks-docker}/docker.sock" ]]; then
        docker image prune -f --filter until=2h >/dev/null 2>&1 || true
    fi
    echo "---- total time $((SECONDS - T_START)) s"
    echo "$PASSED passed, $FAILED failed"
    if ((FAILED)); then exit 1; fi
    exit 0
}

# ---------------------------------------------------------------------------
phase "engine"
if ! eval "$("$ROOT/scripts/docker-engine.sh" start)"; then
    fail "a Docker engine answers"
    summary_and_exit
fi
ok "a Docker engine answers ($DOCKER_HOST, started here: $KS_DOCKERD_STARTED)"

phase "base image"
if "$ROOT/scripts/make-base-image.sh"; then
    ok "debian:bookworm-slim is present"
else
    fail "debian:bookworm-slim is present"
    summary_and_exit
fi
BASE_SIZE=$(docker image inspect -f '{{.Size}}' debian:bookworm-slim)

# ---------------------------------------------------------------------------
phase "builds"
build_stage() { # the shared build stage of a Dockerfile
    sed -n '/^# ---- build stage/,/^# ---- end of build stage/p' "$1"
}
same_build_stage() {
    local ref; ref="$(build_stage Dockerfiles/initial-train.Dockerfile)"
    [[ -n "$ref" ]] || return 1
    [[ "$(build_stage Dockerfiles/incremental-train.Dockerfile)" == "$ref" ]] &&
        [[ "$(build_stage Dockerfiles/validate.Dockerfile)" == "$ref" ]]
}
check "the three Dockerfiles share a byte-identical build stage" same_build_stage

compile_cached() {
    grep -A1 -F 'RUN cmake -S' "$1" | grep -q -e 'Using cache' -e 'CACHED'
}
REVISION="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
# Build from a snapshot of the working tree (tracked and untracked files, not
# the git-ignored ones; .dockerignore then applies as usual): the three images
# come from the same sources even while someone edits the checkout.
CTX="$W/context"
mkdir -p "$CTX"
if git rev-parse --git-dir >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [[ -e "$f" ]] && printf '%s\0' "$f"; done |
        tar --null -T - -cf - | tar -C "$CTX" -xf -
else
    tar --exclude=./.git -cf - . | tar -C "$CTX" -xf -
fi
BUILT=1
for i in "${!STAGES[@]}"; do
    s="${STAGES[$i]}"
    t0=$SECONDS
    # The walkthrough's command, with our -f path (and the engine's network).
    if (cd "$CTX" && docker build --network="$BUILD_NETWORK" \
            --build-arg KS_REVISION="$REVISION" \
            -t "spam-detection-$s:v1.0" -f "Dockerfiles/$s.Dockerfile" .) \
        >"$W/build-$s.log" 2>&1; then
        ok "built spam-detection-$s:v1.0 in $((SECONDS - t0)) s"
    else
        fail "built spam-detection-$s:v1.0 (last lines of the log:)"
        tail -n 30 "$W/build-$s.log" | show
        BUILT=0
        continue
    fi
    if ((i > 0)); then
        # The compile step must come from the cache the first build filled
        # (legacy builder: "Using cache"; BuildKit: "CACHED").
        check "spam-detection-$s:v1.0 reused the cached build stage" \
            compile_cached "$W/build-$s.log"
    fi
done
if ((!BUILT)); then summary_and_exit; fi

# ---------------------------------------------------------------------------
phase "image contents"
printf '     %-42s %12s %12s\n' image bytes "added (MB)"
printf '     %-42s %12s %12s\n' debian:bookworm-slim "$BASE_SIZE" -
for s in "${STAGES[@]}"; do
    img="spam-detection-$s:v1.0"
    size=$(docker image inspect -f '{{.Size}}' "$img")
    added=$((size - BASE_SIZE))
    printf '     %-42s %12s %12s\n' "$img" "$size" \
        "$(awk -v a="$added" 'BEGIN { printf "%.2f", a / 1e6 }')"
    check "$img adds at most $MAX_ADDED_MB MB to the base" \
        test "$added" -le $((MAX_ADDED_MB * 1000 * 1000))
    labels_ok() {
        local l
        for l in source version description; do
            [[ -n "$(docker image inspect -f \
                "{{index .Config.Labels \"org.opencontainers.image.$l\"}}" "$1")" ]] || return 1
        done
    }
    check "$img has OCI labels source, version, description" labels_ok "$img"
    # No compiler, no apt lists or caches; the program starts (--version)
    # with only what the base image provides.
    check "$img has no compiler and no package caches" \
        docker run --rm --network=none --entrypoint /bin/sh "$img" -c \
        '! command -v cc gcc cmake >/dev/null && [ -z "$(find /var/lib/apt/lists /var/cache/apt/archives -type f ! -name lock 2>/dev/null)" ]'
    check "$img: ${PROG[$s]} finds all its libraries" \
        docker run --rm --network=none --entrypoint /bin/sh "$img" -c \
        "! ldd /usr/local/bin/${PROG[$s]} | grep -q 'not found'"
done
echo "     history of spam-detection-validate:v1.0 (layers above the base):"
docker history --format '{{.Size}}\t{{.CreatedBy}}' spam-detection-validate:v1.0 |
    head -n 8 | cut -c1-110 | show

if python3 tests/plans/test_plans.py --images >"$W/plans.log" 2>&1; then
    ok "Plans match the built images (tests/plans/test_plans.py --images)"
else
    fail "Plans match the built images (tests/plans/test_plans.py --images)"
    grep -v '^ok' "$W/plans.log" | show
fi

# ---------------------------------------------------------------------------
phase "demo data"
DS="${KS_DATASET_DIR:-$ROOT/in/dataset}"
if [[ -z "${KS_DATASET_DIR:-}" && -f "$ROOT/in/fetch-demo-data.sh" ]]; then
    bash "$ROOT/in/fetch-demo-data.sh" >"$W/fetch.log" 2>&1 || show "$W/fetch.log"
fi
have_data() {
    local s c
    for s in initial incremental validate; do
        for c in ham spam; do
            [[ -n "$(ls -A "$DS/$s/$c" 2>/dev/null)" ]] || return 1
        done
    done
}
if have_data; then
    ok "demo data in $DS ($(find "$DS" -type f | wc -l) files)"
else
    fail "demo data in $DS/{initial,incremental,validate}/{ham,spam}"
    summary_and_exit
fi

# ---------------------------------------------------------------------------
# Helpers for the runs. Each run's stdout+stderr goes to $W/<name>.log.
run() { # name docker-run-args...
    local name="$1"; shift
    local t0=$SECONDS rc
    docker run --rm --network=none "$@" >"$W/$name.log" 2>&1
    rc=$?
    LAST_RC=$rc
    echo "     ($name: exit $rc, $((SECONDS - t0)) s)"
    return "$rc"
}
metric() { # metrics.json key -> value (searches nested objects too)
    python3 - "$1" "$2" <<'EOF'
import json, sys
def find(o, k):
    if isinstance(o, dict):
        if k in o and isinstance(o[k], (int, float)):
            return o[k]
        for v in o.values():
            r = find(v, k)
            if r is not None:
                return r
    return None
v = find(json.load(open(sys.argv[1])), sys.argv[2])
if v is None:
    sys.exit(1)
print(v)
EOF
}
check_metrics() { # label metrics-dir accuracy-floor
    local m="$2/metrics.json" acc floor="$3"
    if [[ ! -s "$m" ]]; then
        fail "$1: metrics.json written"; return
    fi
    if ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$m" 2>/dev/null; then
        fail "$1: metrics.json is valid JSON"; show "$m"; return
    fi
    ok "$1: metrics.json written and valid JSON"
    check "$1: predictions.csv written" test -s "$2/predictions.csv"
    if acc=$(metric "$m" accuracy); then
        check "$1: accuracy $acc >= $floor" \
            python3 -c 'import sys; sys.exit(not float(sys.argv[1]) >= float(sys.argv[2]))' \
            "$acc" "$floor"
    else
        fail "$1: metrics.json has an accuracy"
    fi
    echo "     $1 metrics.json:"
    python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(json.dumps({k: m[k] for k in m if not isinstance(m[k], (dict, list))}))' "$m" | show
    echo
}
nonempty_dir() { [[ -n "$(ls -A "$1" 2>/dev/null)" ]]; }
tree_sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }

# ---------------------------------------------------------------------------
phase "walkthrough steps 2.1-2.5"
# The walkthrough's commands, without -it (no terminal in CI) and with
# --network=none (the programs need no network). Docker creates the missing
# out/ folders, root-owned, as on a reader's machine.
mkdir -p "$W/wt"
cd "$W/wt" || exit 1
# 2.1 Initial Training
if run step-2.1 \
    -v "$DS/initial:/in/dataset" \
    -v "$(pwd)/out/model:/out/model" \
    spam-detection-initial-train:v1.0; then
    ok "2.1 initial training exits 0"
else
    fail "2.1 initial training exits 0"; tail -n 20 "$W/step-2.1.log" | show
fi
check "2.1 wrote a model into out/model" nonempty_dir out/model
ls -l out/model | show

# 2.2 Model Validation
if run step-2.2 \
    -v "$DS/validate:/in/dataset" \
    -v "$(pwd)/out/model:/in/model" \
    -v "$(pwd)/out/metrics:/out/metrics" \
    spam-detection-validate:v1.0; then
    ok "2.2 validation exits 0"
else
    fail "2.2 validation exits 0"; tail -n 20 "$W/step-2.2.log" | show
fi
# 2.3 Performance Analysis
check_metrics "2.3 initial model" out/metrics "$MIN_ACC_INITIAL"
cp out/metrics/metrics.json "$W/metrics-initial.json" 2>/dev/null

# 2.4 Incremental Training: the same host folder at /in/model and /out/model.
before="$(tree_sum out/model)"
if run step-2.4 \
    -v "$DS/incremental:/in/dataset" \
    -v "$(pwd)/out/model:/in/model" \
    -v "$(pwd)/out/model:/out/model" \
    spam-detection-incremental-train:v1.0; then
    ok "2.4 incremental training exits 0"
else
    fail "2.4 incremental training exits 0"; tail -n 20 "$W/step-2.4.log" | show
fi
check "2.4 replaced the model in out/model" test "$(tree_sum out/model)" != "$before"
ls -l out/model | show

# 2.5 Re-validation (2.2 and 2.3 again, into the same out/metrics)
if run step-2.5 \
    -v "$DS/validate:/in/dataset" \
    -v "$(pwd)/out/model:/in/model" \
    -v "$(pwd)/out/metrics:/out/metrics" \
    spam-detection-validate:v1.0; then
    ok "2.5 re-validation exits 0"
else
    fail "2.5 re-validation exits 0"; tail -n 20 "$W/step-2.5.log" | show
fi
check_metrics "2.5 updated model" out/metrics "$MIN_ACC_UPDATED"
check "2.5 metrics differ from 2.3 (the updated model was validated)" \
    bash -c '! cmp -s "$1" "$2"' _ "$W/metrics-initial.json" out/metrics/metrics.json

# The SVM family (spam-train --algo svm) through the same images: the
# arguments after the image name replace CMD, the model records its family.
if run svm-train -v "$DS/initial:/in/dataset" -v "$(pwd)/svm/model:/out/model" \
    spam-detection-initial-train:v1.0 --dataset /in/dataset --save-to /out/model --algo svm &&
   run svm-update -v "$DS/incremental:/in/dataset" -v "$(pwd)/svm/model:/in/model" \
    -v "$(pwd)/svm/model:/out/model" spam-detection-incremental-train:v1.0 &&
   run svm-validate -v "$DS/validate:/in/dataset" -v "$(pwd)/svm/model:/in/model" \
    -v "$(pwd)/svm/metrics:/out/metrics" spam-detection-validate:v1.0; then
    ok "--algo svm: train, update, validate in the images exit 0"
else
    fail "--algo svm: train, update, validate in the images exit 0"
    tail -n 20 "$W/svm-train.log" "$W/svm-update.log" "$W/svm-validate.log" | show
fi
check "--algo svm: svm.bin beside model.bin" test -s svm/model/svm.bin
check_metrics "--algo svm updated model" svm/metrics "$MIN_ACC_UPDATED"
cd "$ROOT" || exit 1

# ---------------------------------------------------------------------------
phase "failure paths and Knitfab-like runs"
MODEL="$W/wt/out/model"

# Knitfab mounts inputs read-only, creates each output as an empty folder
# and passes the Plan's resources as container limits; the image must also
# work with a read-only root file system.
plan_limits() { # stage -> docker run flags for the Plan's cpu and memory
    python3 - "$ROOT/plans/spam-detection-$1.v1.0.yaml" <<'EOF'
import re, sys, yaml
r = yaml.safe_load(open(sys.argv[1])).get("resources") or {}
mult = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "m": 1e-3,
        "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
def qty(v):
    n, unit = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(v)).groups()
    return float(n) * mult[unit]
flags = []
if "cpu" in r:
    flags.append("--cpus=%g" % qty(r["cpu"]))
if "memory" in r:
    m = int(qty(r["memory"]))
    flags += ["--memory=%d" % m, "--memory-swap=%d" % m]
print(" ".join(flags))
EOF
}
declare -A LIMITS
for s in "${STAGES[@]}"; do
    LIMITS[$s]="$(plan_limits "$s")"
    echo "     Plan limits for $s: ${LIMITS[$s]}"
done
mkdir -p "$W/k/train-out" "$W/k/update-out" "$W/k/validate-out"
# shellcheck disable=SC2086  # the limit flags are meant to split
if run knit-train --read-only ${LIMITS[initial-train]} \
    -v "$DS/initial:/in/dataset:ro" -v "$W/k/train-out:/out/model" \
    spam-detection-initial-train:v1.0 && nonempty_dir "$W/k/train-out"; then
    ok "initial training: Plan limits, read-only inputs and root fs, existing empty /out/model"
else
    fail "initial training: Plan limits, read-only inputs and root fs, existing empty /out/model"
    tail -n 20 "$W/knit-train.log" | show
fi
# shellcheck disable=SC2086
if run knit-update --read-only ${LIMITS[incremental-train]} \
    -v "$DS/incremental:/in/dataset:ro" -v "$MODEL:/in/model:ro" \
    -v "$W/k/update-out:/out/model" \
    spam-detection-incremental-train:v1.0 && nonempty_dir "$W/k/update-out"; then
    ok "incremental training: Plan limits, read-only inputs and root fs, separate empty /out/model"
else
    fail "incremental training: Plan limits, read-only inputs and root fs, separate empty /out/model"
    tail -n 20 "$W/knit-update.log" | show
fi
# shellcheck disable=SC2086
if run knit-validate --read-only ${LIMITS[validate]} \
    -v "$DS/validate:/in/dataset:ro" -v "$W/k/update-out:/in/model:ro" \
    -v "$W/k/validate-out:/out/metrics" \
    spam-detection-validate:v1.0 && [[ -s "$W/k/validate-out/metrics.json" ]]; then
    ok "validation: Plan limits, read-only inputs and root fs, existing empty /out/metrics"
else
    fail "validation: Plan limits, read-only inputs and root fs, existing empty /out/metrics"
    tail -n 20 "$W/knit-validate.log" | show
fi

# Non-root: works when the output folder is writable for that user...
mkdir -p "$W/u/open" "$W/u/closed"
chmod 0777 "$W/u/open"
chmod 0755 "$W/u/closed"
if run user-open --read-only --user 65534:65534 \
    -v "$DS/validate:/in/dataset:ro" -v "$MODEL:/in/model:ro" -v "$W/u/open:/out/metrics" \
    spam-detection-validate:v1.0 && [[ -s "$W/u/open/metrics.json" ]]; then
    ok "validation as uid 65534 into a writable output folder"
else
    fail "validation as uid 65534 into a writable output folder"
    tail -n 20 "$W/user-open.log" | show
fi
# ...and fails cleanly when it is not (why the images default to root): the
# program itself must fail (not docker: 125-127) and name the folder.
run user-closed --read-only --user 65534:65534 \
    -v "$DS/validate:/in/dataset:ro" -v "$MODEL:/in/model:ro" -v "$W/u/closed:/out/metrics" \
    spam-detection-validate:v1.0
check "validation as uid 65534 into a root-owned 0755 folder exits non-zero" \
    test "$LAST_RC" -ne 0 -a "$LAST_RC" -lt 125
check "validation as uid 65534 into a root-owned 0755 folder: stderr names /out/metrics" \
    grep -q -F /out/metrics "$W/user-closed.log"
tail -n 3 "$W/user-closed.log" | show

# Missing /in/model: a non-zero exit and a message naming the path.
expect_clear_failure() { # name expected-text docker-run-args...
    local name="$1" text="$2"; shift 2
    run "$name" "$@"
    check "$name: the program exits non-zero (exit $LAST_RC)" \
        test "$LAST_RC" -ne 0 -a "$LAST_RC" -lt 125
    check "$name: stderr names $text" grep -q -F -- "$text" "$W/$name.log"
    tail -n 3 "$W/$name.log" | show
}
mkdir -p "$W/m/out1" "$W/m/out2" "$W/m/out3" "$W/m/empty-model"
expect_clear_failure validate-without-model /in/model --read-only \
    -v "$DS/validate:/in/dataset:ro" -v "$W/m/out1:/out/metrics" \
    spam-detection-validate:v1.0
expect_clear_failure update-without-model /in/model --read-only \
    -v "$DS/incremental:/in/dataset:ro" -v "$W/m/out2:/out/model" \
    spam-detection-incremental-train:v1.0
expect_clear_failure validate-with-empty-model /in/model --read-only \
    -v "$DS/validate:/in/dataset:ro" -v "$W/m/empty-model:/in/model:ro" \
    -v "$W/m/out3:/out/metrics" \
    spam-detection-validate:v1.0
check "a failed run leaves its output folder empty" \
    bash -c '[ -z "$(find "$@" -mindepth 1)" ]' _ "$W/m/out1" "$W/m/out2" "$W/m/out3"

summary_and_exit
