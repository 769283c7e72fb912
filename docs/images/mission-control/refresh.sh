#!/usr/bin/env bash
# Copies the screenshots the browser tests just made (server/target/screenshots/) into this folder,
# so docs/mission-control.md shows the pages as they are. Run the tests first:
#   SPACEDUCK_TEST_CHROMEDRIVER=/usr/bin/chromedriver mvn -o -q verify -pl server -am \
#     -Dtest='MissionControl*Test' -Dsurefire.failIfNoSpecifiedTests=false
#   docs/images/mission-control/refresh.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
from="$here/../../../server/target/screenshots"
pages=(sign-in who-am-i who-am-i-phone agents-bond agents-stale keys-rotated keys-revoked keys-replaced
       pecks-inbox pecks-pending pecks-active pecks-active-agent audit certificate certificate-superseded certificate-tampered
       hatch hatch-key hostile-agents sign-in-refused agents-pages keys-pages pecks-rejected)
missing=0
for p in "${pages[@]}"; do
  if [ -f "$from/$p.png" ]; then
    cp "$from/$p.png" "$here/$p.png"
  else
    echo "missing: $from/$p.png (did every browser test run?)" >&2
    missing=1
  fi
done
exit $missing
