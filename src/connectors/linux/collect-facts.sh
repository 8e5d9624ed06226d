#!/bin/sh
# Collects this Linux host's network facts for hostwire's live-facts importer: prints one JSON
# document (format hostwire-linux-facts, version 1) holding the JSON output of
# `ip -j -d link show`, `ip -j addr show`, `ip -j route show default` and `bridge -j link show`,
# and the text of every /proc/net/bonding/<bond>. POSIX sh, iproute2 4.13 or later; no jq.
# Usage: sh collect-facts.sh > HOST-facts.json
set -eu
LC_ALL=C
export LC_ALL
# Where proc is mounted; tests point it at a copy holding a bonding file.
proc=${HOSTWIRE_PROC:-/proc}

fail() {
  echo "collect-facts.sh: $*" >&2
  exit 1
}

# Standard input as one JSON string: control characters other than tab dropped, backslashes,
# quotes and tabs escaped, lines joined by \n.
json_string() {
  tr -d '\000-\010\013-\037\177' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' |
    awk 'BEGIN { printf "\"" } { printf "%s%s", (NR > 1 ? "\\n" : ""), $0 } END { printf "\"" }'
}

# One ip/bridge JSON output; an old iproute2 without -j prints text instead, which is refused.
json_output() {
  output=$("$@") || fail "'$*' failed"
  case $output in
    '['*) printf '%s' "$output" ;;
    '') printf '[]' ;;
    *) fail "'$*' printed no JSON; JSON output needs iproute2 4.13 or later" ;;
  esac
}

command -v ip >/dev/null 2>&1 || fail "the ip command (iproute2) is not installed"
links=$(json_output ip -j -d link show)
addresses=$(json_output ip -j addr show)
routes=$(json_output ip -j route show default)
if command -v bridge >/dev/null 2>&1; then
  ports=$(json_output bridge -j link show)
else
  ports=null
fi

printf '{"format":"hostwire-linux-facts","version":1,"hostname":%s,\n' "$(uname -n | json_string)"
printf '"ipLink":%s,\n"ipAddr":%s,\n"ipRoute":%s,\n"bridgeLink":%s,\n"bonding":{' "$links" "$addresses" "$routes" "$ports"
separator=''
for file in "$proc"/net/bonding/*; do
  [ -f "$file" ] || continue
  printf '%s\n%s:%s' "$separator" "$(basename "$file" | json_string)" "$(json_string <"$file")"
  separator=','
done
printf '}}\n'
