// The one check wait_for repeats, as a shell function: is a TCP port open, or does a URL answer?
// Minimal Debian hosts have bash (Essential) but often no curl or wget, and never python: curl is used
// when present, then wget, then bash's /dev/tcp (plain http only); /proc/net/tcp covers local ports
// when even bash is missing. User values enter only through the quoted variable assignments.
import { raw, sh, type Script } from "../../util/shell.js";

export type WaitTarget =
  | { kind: "port"; host: string; port: number }
  | { kind: "url"; url: string; host: string; port: number; path: string; https: boolean; codes: number[] };

/** Exit status of deploy_check when no tool on the host can do the check. */
export const NO_TOOL = 3;

export function urlTarget(url: string, codes: number[]): WaitTarget {
  const parsed = new URL(url);
  const https = parsed.protocol === "https:";
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = parsed.port !== "" ? Number(parsed.port) : https ? 443 : 80;
  return { kind: "url", url, host, port, path: `${parsed.pathname || "/"}${parsed.search}`, https, codes };
}

export function describeTarget(target: WaitTarget): string {
  return target.kind === "port" ? `port ${target.port} on ${target.host}` : target.url;
}

const PORT_CHECK = `deploy_check() {
  if command -v bash >/dev/null 2>&1; then
    deploy_seen=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$deploy_host" "$deploy_port" 2>&1)
    case $? in 0) deploy_seen=open; return 0 ;; 124) deploy_seen="no answer within 3s" ;; *) deploy_seen=\${deploy_seen##*: } ;; esac
    [ -n "$deploy_seen" ] || deploy_seen="connection refused"
    return 1
  fi
  case $deploy_host in
    127.*|localhost|::1|0.0.0.0|::) ;;
    *) deploy_seen="checking a remote port needs bash on the host"; return ${NO_TOOL} ;;
  esac
  deploy_hex=$(printf ':%04X' "$deploy_port")
  if awk -v p="$deploy_hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
    deploy_seen=listening; return 0
  fi
  deploy_seen="nothing listening"; return 1
}`;

// bash's /dev/tcp: the status code of a GET, or `!` and the answer's first bytes (its first line, at most
// 64 characters, anything unprintable as ?) when it is not HTTP: an SSH banner taken for a status line
// read as "HTTP Debian-2+deb12u3".
const BASH_GET = `deploy_get() {
  timeout 6 bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf "GET %s HTTP/1.0\\r\\nHost: %s\\r\\nConnection: close\\r\\n\\r\\n" "$3" "$1" >&3
    IFS= read -r -n 64 l <&3 || [ -n "$l" ] || exit 1
    l=\${l%$'"'"'\\r'"'"'}
    case $l in HTTP/*) read -r proto code rest <<< "$l"; printf "%s" "$code" ;; *) printf "!%s" "\${l//[^[:print:]]/?}" ;; esac' _ "$deploy_host" "$deploy_port" "$deploy_path" 2>/dev/null
}`;

const URL_CHECK = `${BASH_GET}
deploy_check() {
  deploy_code=
  if command -v curl >/dev/null 2>&1; then
    deploy_code=$(curl -sS -k -o /dev/null -w '%{http_code}' --max-time 5 -- "$deploy_url" 2>/dev/null)
  elif command -v wget >/dev/null 2>&1; then
    deploy_code=$(timeout 6 wget -q -S -O /dev/null --no-check-certificate -T 5 -t 1 "$deploy_url" 2>&1 | awk '/^ *HTTP\\//{ c = $2 } END { print c }')
  elif [ "$deploy_https" = 1 ]; then
    deploy_seen="https needs curl or wget on the host"; return ${NO_TOOL}
  elif command -v bash >/dev/null 2>&1; then
    deploy_code=$(deploy_get)
  else
    deploy_seen="checking a URL needs curl, wget or bash on the host"; return ${NO_TOOL}
  fi
  # curl and wget say only that there was no HTTP answer: whether something else answered, and what, is
  # asked of the port itself (plain http; bash is Essential on Debian).
  case $deploy_code in ''|000) [ "$deploy_https" = 1 ] || ! command -v bash >/dev/null 2>&1 || deploy_code=$(deploy_get) ;; esac
  case $deploy_code in
    ''|000) deploy_seen="no HTTP answer"; return 1 ;;
    '!'*) deploy_seen="answering, but not HTTP (first bytes: \\"\${deploy_code#!}\\")"; return 1 ;;
  esac
  deploy_seen="HTTP $deploy_code"
  for c in $deploy_codes; do [ "$c" = "$deploy_code" ] && return 0; done
  if [ -z "$deploy_codes" ] && [ "$deploy_code" -ge 200 ] 2>/dev/null && [ "$deploy_code" -lt 400 ]; then return 0; fi
  return 1
}`;

/** Variable assignments (quoted) followed by the check function. */
export function checkFunction(target: WaitTarget): Script {
  if (target.kind === "port") {
    return raw(`${sh`deploy_host=${target.host} deploy_port=${target.port}`.text}\n${PORT_CHECK}`);
  }
  const vars = sh`deploy_url=${target.url} deploy_host=${target.host} deploy_port=${target.port} deploy_path=${target.path} deploy_https=${target.https ? 1 : 0} deploy_codes=${target.codes.join(" ")}`;
  return raw(`${vars.text}\n${URL_CHECK}`);
}

/** Check once, report up / down / no-tool in the probe protocol. */
export function checkOnceScript(target: WaitTarget): Script {
  return raw(`${checkFunction(target).text}
deploy_check; deploy_rc=$?
case $deploy_rc in 0) echo '#deploy:up' ;; ${NO_TOOL}) echo '#deploy:no-tool' ;; *) echo '#deploy:down' ;; esac
printf '#deploy:seen %s\\n' "$deploy_seen"`);
}

/** Poll on the host until the wanted state or the timeout; prints `#deploy:waited <seconds>` on success. */
export function waitScript(target: WaitTarget, want: "up" | "down", timing: { timeout: number; delay: number; sleep: number }): Script {
  return raw(`${checkFunction(target).text}
${sh`sleep ${timing.delay}`.text}
deploy_start=$(date +%s)
${sh`deploy_end=$((deploy_start + ${Math.ceil(timing.timeout)}))`.text}
while :; do
  deploy_check; deploy_rc=$?
  if [ $deploy_rc = ${NO_TOOL} ]; then printf '%s\\n' "$deploy_seen" >&2; exit ${NO_TOOL}; fi
  case ${want}:$deploy_rc in up:0|down:[!0]*) printf '#deploy:waited %s\\n' $(( $(date +%s) - deploy_start )); exit 0 ;; esac
  if [ "$(date +%s)" -ge "$deploy_end" ]; then printf 'last: %s\\n' "$deploy_seen" >&2; exit 1; fi
  ${sh`sleep ${timing.sleep}`.text}
done`);
}
