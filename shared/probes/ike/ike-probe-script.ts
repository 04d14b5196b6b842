/**
 * The constant bash program the IKE sidecar runs (`bash -c IKE_PROBE_SCRIPT ike-probe ARGS…`).
 * Data never becomes script text: targets arrive as argv in groups of four (job id, IPv4, port,
 * request hex), are re-checked here, and only ever land in quoted expansions.
 *
 * Per target, in parallel: open a connected UDP socket with bash's /dev/udp, start `dd` reading
 * one datagram, send the request with dd from a file (one write, so one datagram), then wait for
 * the reply or the timer, whichever comes first. A connected UDP socket reports an ICMP port
 * unreachable as ECONNREFUSED on the next read: that is "refused" (no IKE daemon listening).
 *
 * Output, one line per target: `<id> answered <rtt µs> <reply hex>` | `<id> timeout` |
 * `<id> refused <rtt µs>` | `<id> error <reason>`.
 */
// A plain template literal: every bash "${" is written "\${" and every backslash doubled.
export const IKE_PROBE_SCRIPT = `
set -u
wait_sec=$1; shift
case $wait_sec in ([0-9]*.[0-9][0-9][0-9]) ;; (*) echo "- error bad-timeout"; exit 2;; esac
dir=\${TMPDIR:-/tmp}/ike-$$
mkdir -p "$dir" || exit 2
probe() {
  local id=$1 ip=$2 port=$3 hex=$4 reader timer done rc t0 t1 esc
  # bash 5.2 patsub_replacement: "&" is the matched pair, so aabb becomes \\xaa\\xbb for printf.
  esc=\${hex//??/\\\\x&}
  # Bash line-buffers stdout: printf straight into the socket would send a datagram per 0x0a byte.
  # The request goes to a file first; dd sends it with one write, i.e. one datagram.
  printf "$esc" >"$dir/$id.req" || { echo "$id error send"; return; }
  exec 3<>"/dev/udp/$ip/$port" || { echo "$id error socket"; return; }
  dd bs=65535 count=1 of="$dir/$id" <&3 2>"$dir/$id.err" & reader=$!
  sleep "$wait_sec" & timer=$!
  t0=\${EPOCHREALTIME//[.,]/}
  dd bs=65535 count=1 if="$dir/$id.req" >&3 2>/dev/null || { kill "$reader" "$timer" 2>/dev/null; echo "$id error send"; return; }
  wait -n -p done "$reader" "$timer"; rc=$?
  t1=\${EPOCHREALTIME//[.,]/}
  if [ "$done" = "$timer" ]; then
    kill -KILL "$reader" 2>/dev/null; wait "$reader" 2>/dev/null
    # Under CPU pressure dd may have read the reply but not exited yet: a reply is a reply.
    if [ -s "$dir/$id" ]; then echo "$id answered $((t1 - t0)) $(xxd -p "$dir/$id" | tr -d '\\n')"; else echo "$id timeout"; fi
    return
  fi
  kill "$timer" 2>/dev/null; wait "$timer" 2>/dev/null
  if [ "$rc" = 0 ] && [ -s "$dir/$id" ]; then
    echo "$id answered $((t1 - t0)) $(xxd -p "$dir/$id" | tr -d '\\n')"
  elif grep -q -i refused "$dir/$id.err"; then
    echo "$id refused $((t1 - t0))"
  else
    echo "$id error read-exit-$rc"
  fi
}
while [ $# -ge 4 ]; do
  id=$1 ip=$2 port=$3 hex=$4; shift 4
  case $id in (*[!a-z0-9-]*|'') echo "- error bad-id"; continue;; esac
  case $ip in (*[!0-9.]*|'') echo "$id error bad-ip"; continue;; esac
  case $port in (500|4500) ;; (*) echo "$id error bad-port"; continue;; esac
  case $hex in (*[!0-9a-f]*|'') echo "$id error bad-hex"; continue;; esac
  [ $(( \${#hex} % 2 )) = 0 ] || { echo "$id error bad-hex"; continue; }
  probe "$id" "$ip" "$port" "$hex" &
done
wait
`;
