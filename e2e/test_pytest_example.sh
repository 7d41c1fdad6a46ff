#!/usr/bin/env bash
# The pytest example of docs/testing-your-code.md (docs/examples/pytest/): checks
# that the guide shows each of its files verbatim, then runs it against the hitd
# binary $HITD_BIN, which its fixture starts in test mode once per test.
#
# pytest runs under the first of $PYTEST_PYTHON, $PYTHON, python3 and Debian's
# /usr/bin/python3 that imports both pytest and boto3 (with no PyPI at hand:
# apt-get install python3-pytest python3-boto3, for /usr/bin/python3).
#
# Usage: HITD_BIN=/path/to/hitd bash e2e/test_pytest_example.sh
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
example=$repo/docs/examples/pytest
: "${HITD_BIN:?set HITD_BIN to the hitd binary}"

py=""
for candidate in ${PYTEST_PYTHON:-} ${PYTHON:-} python3 /usr/bin/python3; do
	if "$candidate" -c 'import pytest, boto3' 2>/dev/null; then
		py=$candidate
		break
	fi
done
if [[ -z $py ]]; then
	echo "no python3 here imports both pytest and boto3: apt-get install python3-pytest python3-boto3" >&2
	exit 1
fi

"$py" - "$repo/docs/testing-your-code.md" "$example"/*.py <<'PY'
import sys
doc = open(sys.argv[1]).read()
stale = [f for f in sys.argv[2:] if "```python\n" + open(f).read() + "```\n" not in doc]
for f in stale:
    print(f"docs/testing-your-code.md does not show {f} as it is: paste it again", file=sys.stderr)
sys.exit(1 if stale else 0)
PY
echo "docs/testing-your-code.md shows every file of docs/examples/pytest/ as it is"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$example"
echo "$py -m pytest ($("$py" -c 'import pytest; print("pytest", pytest.__version__)'))"
PYTHONDONTWRITEBYTECODE=1 HITD_BIN=$HITD_BIN "$py" -m pytest -q -p no:cacheprovider --basetemp "$tmp/pytest" .
