#!/usr/bin/env bash
# trials/batch.sh WAIT lab/attempt ...: run attempts one after another (trials/run.sh)
here=$(cd "$(dirname "$0")" && pwd)
wait=$1; shift
for a in "$@"; do "$here/run.sh" "${a%%/*}" "${a#*/}" "$wait"; done
