#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image.
#
# The autograder zip (see docs/instructors.md, "Gradescope") holds, at its root:
#   setup.sh, run_autograder       these two files
#   rnn-autograder/                this repository (git archive of a tagged commit)
#   hidden_graders/                optional: instructor-only suites, test_<exercise>.py
# Gradescope extracts it to /autograder/source.
set -euo pipefail

SOURCE=/autograder/source
VENV=/autograder/venv

apt-get update
# bubblewrap: the sandbox that runs student code (without it, grading falls back to rlimits only).
apt-get install -y --no-install-recommends python3 python3-venv python3-pip bubblewrap

python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --upgrade pip
# The CPU wheel of torch first: an unpinned torch from PyPI pulls a multi-GB CUDA build.
"$VENV/bin/python" -m pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
# Editable, so the reference solutions and graders stay in /autograder/source (outside the
# Python installation that the sandbox exposes read-only to student code).
"$VENV/bin/python" -m pip install -e "$SOURCE/rnn-autograder"

# Fail the image build now, not at the first submission, if the reference does not earn full marks.
cd "$SOURCE/rnn-autograder"
"$VENV/bin/grade" all --reference --fail-under 100 -q
