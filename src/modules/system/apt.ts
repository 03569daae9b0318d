// apt on Debian/Ubuntu as pure pieces: the probe script, its parser, the decision, and the command builders.
// The builders take plain package lists so the engine can later merge the package tasks of a host into one
// install call (issue 7) without going through the module.
import { raw, sh, type Script } from "../../util/shell.js";
import { fact, hasFact, parseProbe, records } from "../lib/probe.js";

/** Debian package name, optional `:arch`, optional `=version` pin. */
export const PACKAGE_SPEC = /^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9-]+)?(?:=[A-Za-z0-9.+~:-]+)?$/;

export interface PackageSpec {
  /** Name as dpkg knows it, with the `:arch` qualifier when given. */
  name: string;
  /** Exact version wanted (`name=version`). */
  version?: string;
}

export function parsePackageSpec(text: string): PackageSpec {
  const eq = text.indexOf("=");
  return eq < 0 ? { name: text } : { name: text.slice(0, eq), version: text.slice(eq + 1) };
}

/** What apt-get is given: `name` or `name=version`. */
export function specArg(spec: PackageSpec): string {
  return spec.version === undefined ? spec.name : `${spec.name}=${spec.version}`;
}

/** The conventional "lists refreshed" stamp (Ubuntu's update-notifier and Ansible read it too). */
export const UPDATE_STAMP = "/var/lib/apt/periodic/update-success-stamp";

/** How long apt waits for another apt/dpkg run to release its lock before giving up (seconds). */
export const LOCK_WAIT_SECONDS = 120;

export interface PackageState {
  name: string;
  /** dpkg's db:Status-Abbrev ("ii ", "rc ", "un ", or "" when dpkg never heard of it). */
  status: string;
  /** The package is unpacked and configured (a half-installed one is not). */
  installed: boolean;
  /** Installed version ("" when not installed). */
  version: string;
  /** apt's candidate version; undefined when not asked, "" when there is none. */
  candidate?: string;
  /** The candidate is newer than the installed version. */
  newer: boolean;
  /**
   * For a name dpkg does not know and apt has no candidate for: the packages that provide it (a virtual
   * package such as ssh-server), and whether each is installed. Empty when it is not a virtual package.
   */
  providers: { name: string; installed: boolean }[];
}

export interface AptObservation {
  /** False when the host has no dpkg at all. */
  dpkg: boolean;
  /** Age of the apt lists in seconds; undefined when there are no lists. */
  listsAge?: number;
  packages: Map<string, PackageState>;
}

/**
 * ONE read-only script for every package of a task: dpkg status and version, apt's candidate (only where it
 * matters: state latest, or a package not installed yet; never for removal), and the age of the apt lists.
 * `readOnly` (a plan): not even apt's binary cache is rewritten.
 */
export function aptProbeScript(names: string[], wantCandidates: "all" | "missing" | "none", readOnly = false): Script {
  const latest = wantCandidates === "all" ? "1" : "0";
  const missing = wantCandidates === "none" ? "0" : "1";
  return raw(
    [
      "export LC_ALL=C",
      "if ! command -v dpkg-query >/dev/null 2>&1; then echo '#deploy:no-dpkg'; exit 0; fi",
      // The lists' age: the newer of the lists directory and apt's update stamp, when any Packages list
      // exists (a glob, one stat and one date: this runs on every host at every run).
      "t=",
      "for f in /var/lib/apt/lists/*_Packages*; do",
      `  [ -e "$f" ] && for s in $(stat -c %Y /var/lib/apt/lists ${UPDATE_STAMP} 2>/dev/null); do [ "$s" -gt "\${t:-0}" ] && t=$s; done`,
      "  break",
      "done",
      `if [ -n "$t" ]; then printf '#deploy:lists-age %s\\n' "$(( $(date +%s) - t ))"; else echo '#deploy:no-lists'; fi`,
      // ONE dpkg-query for all packages (each run reads dpkg's whole status file); each package's line is
      // then found with parameter expansion, without starting a process per package.
      "T='\t'; N='",
      "'",
      sh`q="$N$(dpkg-query -W -f='\${Package}\\t\${db:Status-Abbrev}\\t\${Version}\\n' ${names} 2>/dev/null)$N"`.text,
      "state() {",
      "  st=; v=",
      '  case $q in *"$N$1$T"*) l=${q#*"$N$1$T"}; l=${l%%"$N"*}; st=${l%%"$T"*}; v=${l#*"$T"} ;; esac',
      "  case $st in ?i*) inst=1 ;; *) inst=0; v= ;; esac",
      "}",
      `asks() { [ ${latest} = 1 ] || { [ ${missing} = 1 ] && [ $inst = 0 ]; }; }`,
      // ONE apt-cache for every candidate asked. For a plan, as nobody when it could write: apt-cache then
      // reads apt's binary cache but never rewrites a missing or stale one (it builds it in memory, ~0.5 s
      // of the host's CPU each time), so a plan leaves the host untouched. An apply lets it write the
      // cache once, as apt-get would.
      "aptcache() {",
      `  if [ ${readOnly ? 1 : 0} = 1 ] && [ -w /var/cache/apt ] && command -v setpriv >/dev/null 2>&1; then`,
      '    setpriv --reuid=65534 --regid=65534 --clear-groups apt-cache "$@"',
      '  else apt-cache "$@"; fi',
      "}",
      'policy() { aptcache policy "$@"; }',
      "set --",
      sh`for p in ${names}; do state "$p"; if asks; then set -- "$@" "$p"; fi; done`.text,
      // Each asked package's "name<TAB>candidate" line; in a subshell, so IFS and set -f stay its own.
      "pol=",
      'if [ $# -gt 0 ]; then pol="$N$(set -f; IFS=$N; for l in $(policy "$@" 2>/dev/null); do',
      '  case $l in "  Candidate: "*) printf \'%s\\t%s\\n\' "$k" "${l#"  Candidate: "}" ;; " "*) ;; *:) k=${l%:} ;; esac',
      'done)$N"; fi',
      sh`for p in ${names}; do`.text,
      '  state "$p"; c=-; n=0',
      "  if asks; then",
      // apt-cache names a package of the native architecture without its `:arch`.
      '    c=; for k in "$p" "${p%%:*}"; do case $pol in *"$N$k$T"*) c=${pol#*"$N$k$T"}; c=${c%%"$N"*}; break ;; esac; done',
      "    [ \"$c\" = '(none)' ] && c=",
      "    if [ -n \"$c\" ] && [ -n \"$v\" ] && dpkg --compare-versions \"$c\" gt \"$v\"; then n=1; fi",
      "  fi",
      "  printf '#deploy:pkg\\t%s\\t%s\\t%s\\t%s\\t%s\\n' \"$p\" \"$st\" \"$v\" \"$c\" \"$n\"",
      // Not installed and no candidate: maybe a virtual package (ssh-server; dpkg may list it as "un").
      // Its providers, from apt's "Reverse Provides" (installed ones included: the status file is one of
      // apt's sources), each with whether it is installed. Only for such names, so an ordinary run starts
      // no more processes.
      "  if [ $inst = 0 ] && [ -z \"$c\" ] && asks; then",
      "    for r in $(aptcache showpkg \"$p\" 2>/dev/null | awk 'f && $1 != \"\" && !s[$1]++ { print $1 } /^Reverse Provides:/ { f = 1 }'); do",
      "      case $(dpkg-query -W -f='${db:Status-Abbrev}' \"$r\" 2>/dev/null) in ?i*) i=1 ;; *) i=0 ;; esac",
      "      printf '#deploy:provider\\t%s\\t%s\\t%s\\n' \"$p\" \"$r\" \"$i\"",
      "    done",
      "  fi",
      "done",
    ].join("\n"),
  );
}

export function parseAptProbe(output: string): AptObservation {
  const report = parseProbe(output);
  const observation: AptObservation = { dpkg: !hasFact(report, "no-dpkg"), packages: new Map() };
  const age = Number(fact(report, "lists-age") ?? NaN);
  if (Number.isFinite(age)) observation.listsAge = Math.max(0, age);
  for (const [name = "", status = "", version = "", candidate = "-", newer = "0"] of records(report, "pkg")) {
    observation.packages.set(name, {
      name,
      status,
      installed: /^.i/.test(status),
      version,
      candidate: candidate === "-" ? undefined : candidate,
      newer: newer === "1",
      providers: [],
    });
  }
  for (const [name = "", provider = "", installed = "0"] of records(report, "provider")) {
    observation.packages.get(name)?.providers.push({ name: provider, installed: installed === "1" });
  }
  return observation;
}

export interface AptWant {
  packages: PackageSpec[];
  state: "present" | "absent" | "latest";
  /** true: refresh when older than cacheValidTime; "auto": only when a package has no candidate; false: never. */
  updateCache: boolean | "auto";
  cacheValidTime: number;
  purge: boolean;
}

export interface AptDecision {
  refresh: boolean;
  /** Why the lists are refreshed, for the summary. */
  refreshReason?: string;
  install: PackageSpec[];
  /**
   * Packages dpkg left unfinished (a maintainer script failed: half-configured, unpacked, half-installed):
   * installed again by the same apt-get install, which configures or reinstalls them: `verb` says which.
   */
  finish: { spec: PackageSpec; verb: "configure" | "reinstall"; why: string }[];
  /**
   * Virtual packages: provided by an installed package (nothing to do), by one package only (`chosen`,
   * installed in its place, as apt-get itself would), or only by packages to choose from.
   */
  virtual: { name: string; providers: string[]; installed: string[]; chosen?: string }[];
  upgrade: { spec: PackageSpec; from: string; to: string }[];
  remove: string[];
  /** Packages apt knows no candidate for while the lists will not be refreshed. */
  unavailable: string[];
}

export function decideApt(want: AptWant, seen: AptObservation): AptDecision {
  const decision: AptDecision = { refresh: false, install: [], finish: [], virtual: [], upgrade: [], remove: [], unavailable: [] };
  const noCandidate: string[] = [];
  for (const spec of want.packages) {
    const state = seen.packages.get(spec.name);
    const installed = state?.installed === true;
    if (want.state === "absent") {
      // With purge, leftover configuration files ("rc") count as still there.
      const leftover = want.purge && state !== undefined && /^.c/.test(state.status);
      if (installed || leftover) decision.remove.push(spec.name);
      continue;
    }
    if (spec.version !== undefined) {
      if (!installed || state.version !== spec.version) {
        if (installed) decision.upgrade.push({ spec, from: state.version, to: spec.version });
        else decision.install.push(spec);
      }
      continue;
    }
    if (state !== undefined && !installed && state.providers.length > 0) {
      // A virtual package: apt-get install would pick an installed provider (nothing to do) or refuse to
      // choose among several, every run; refreshing the lists changes neither.
      const providers = state.providers.map((p) => p.name);
      const installedProviders = state.providers.filter((p) => p.installed).map((p) => p.name);
      // A sole provider is what apt-get installs for the name ("selecting python3-typeshed instead of
      // python3-types-chardet"): named here so plan says what will be installed.
      const chosen = installedProviders.length === 0 && providers.length === 1 ? providers[0] : undefined;
      decision.virtual.push({ name: spec.name, providers, installed: installedProviders, ...(chosen !== undefined ? { chosen } : {}) });
      // Also named by the task: installed once, as the task names it (with its version).
      const named = want.packages.some((p) => p.name === chosen);
      if (chosen !== undefined && !named && !decision.install.some((i) => i.name === chosen)) decision.install.push({ name: chosen });
      continue;
    }
    const unfinished = state !== undefined && !installed ? UNFINISHED[state.status.charAt(1)] : undefined;
    if (unfinished !== undefined) {
      decision.finish.push({ spec, ...unfinished });
    } else if (!installed) {
      decision.install.push(spec);
      if (state?.candidate === "" || state === undefined) noCandidate.push(spec.name);
    } else if (want.state === "latest" && state.newer && state.candidate) {
      decision.upgrade.push({ spec, from: state.version, to: state.candidate });
    }
  }
  if (want.state === "absent" || want.updateCache === false) {
    decision.unavailable = want.state === "absent" ? [] : noCandidate;
    return decision;
  }
  const stale = seen.listsAge === undefined || seen.listsAge > want.cacheValidTime;
  const needsLists = decision.install.length > 0 || decision.finish.length > 0 || decision.upgrade.length > 0 || want.state === "latest";
  if (noCandidate.length > 0) {
    decision.refresh = true;
    decision.refreshReason = seen.listsAge === undefined ? "no apt lists yet" : `no candidate for ${noCandidate.join(", ")}`;
  } else if (want.updateCache === true && stale && needsLists) {
    decision.refresh = true;
    decision.refreshReason = seen.listsAge === undefined ? "no apt lists yet" : `lists are ${formatAge(seen.listsAge)} old`;
  }
  return decision;
}

/** dpkg's status letters (db:Status-Abbrev's second) for a package it left unfinished, as the plan says it. */
const UNFINISHED: Record<string, { verb: "configure" | "reinstall"; why: string }> = {
  F: { verb: "configure", why: "half-configured" },
  U: { verb: "configure", why: "unpacked, not configured" },
  W: { verb: "configure", why: "awaiting triggers" },
  t: { verb: "configure", why: "triggers pending" },
  H: { verb: "reinstall", why: "half-installed" },
};

/**
 * Packages on hold (`apt-mark hold`: dpkg's wanted state "h") that the decision would install, finish or
 * upgrade: apt-get -y refuses the whole call ("Held packages were changed and -y was used without
 * --allow-change-held-packages"), so this is said before anything is run. A hold is the administrator's
 * word that the version stays; overriding it is not this module's call.
 */
export function heldPackages(decision: AptDecision, seen: AptObservation): string | undefined {
  const touched = [...decision.install, ...decision.finish.map((f) => f.spec), ...decision.upgrade.map((u) => u.spec)];
  const held = [...new Set(touched.map((spec) => spec.name))].filter((name) => seen.packages.get(name)?.status.startsWith("h"));
  if (held.length === 0) return undefined;
  const versions = held.map((name) => {
    const version = seen.packages.get(name)?.version;
    return version ? `${name} (${version})` : name;
  });
  return `${versions.join(", ")} ${held.length === 1 ? "is" : "are"} held (apt-mark hold): apt-get would refuse to change ${held.length === 1 ? "it" : "them"}; run apt-mark unhold first, or ask for the held version`;
}

/** Virtual packages with several providers, none installed: apt-get will not choose one. */
export function unchosenVirtual(decision: AptDecision): string | undefined {
  const open = decision.virtual.filter((v) => v.installed.length === 0 && v.chosen === undefined);
  if (open.length === 0) return undefined;
  return open.map((v) => `${v.name} is a virtual package provided by ${v.providers.join(", ")}: name the one to install`).join("; ");
}

export function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86400)}d`;
}

/**
 * Runs an apt command, retrying while another apt/dpkg run holds the lock (unattended-upgrades at boot is
 * the usual one). DPkg::Lock::Timeout covers the dpkg frontend lock on apt >= 1.9.11; the loop covers the
 * lists lock of `apt-get update` and older apt. Output is merged into stdout so the error lines stay in order.
 */
const APT_RETRY = raw(
  [
    "deploy_apt() {",
    "  deploy_try=0",
    "  while :; do",
    '    deploy_out=$("$@" 2>&1); deploy_rc=$?',
    '    case $deploy_rc:$deploy_out in',
    // Not a lock another apt holds: this user may not take it (no become). Waiting would not help.
    '      100:*"Permission denied"*) printf \'%s\\n\' "$deploy_out" "(apt needs root: use become)"; return $deploy_rc ;;',
    '      100:*"Could not get lock"*|100:*"Unable to lock"*|100:*"Unable to acquire"*) ;;',
    '      *) printf \'%s\\n\' "$deploy_out"; return $deploy_rc ;;',
    "    esac",
    "    deploy_try=$((deploy_try + 1))",
    `    if [ $deploy_try -ge ${LOCK_WAIT_SECONDS / 2} ]; then printf '%s\\n' "$deploy_out"; return $deploy_rc; fi`,
    "    sleep 2",
    "  done",
    "}",
  ].join("\n"),
);

const APT_ENV = ["env", "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C"];
const APT_OPTIONS = [
  "-y",
  "-q",
  "-o", `DPkg::Lock::Timeout=${LOCK_WAIT_SECONDS}`,
  "-o", "Dpkg::Options::=--force-confdef",
  "-o", "Dpkg::Options::=--force-confold",
];

/** Refresh the apt lists, then mark the time so cache_valid_time works on hosts without update-notifier. */
export function aptUpdateCommand(): Script {
  return sh`${APT_RETRY}\ndeploy_apt ${APT_ENV} apt-get -q -o ${`DPkg::Lock::Timeout=${LOCK_WAIT_SECONDS}`} update || exit $?\nmkdir -p ${"/var/lib/apt/periodic"} && touch ${UPDATE_STAMP}`;
}

/** ONE install (or upgrade) call for a whole list of packages: `name` or `name=version` words. */
export function aptInstallCommand(packages: string[], options: { installRecommends?: boolean } = {}): Script {
  const recommends = options.installRecommends ? "--install-recommends" : "--no-install-recommends";
  // --allow-downgrades: a pinned `name=version` lower than the installed one is what the user asked for.
  return sh`${APT_RETRY}\ndeploy_apt ${APT_ENV} apt-get install ${APT_OPTIONS} ${recommends} --allow-downgrades ${packages}`;
}

export function aptRemoveCommand(packages: string[], options: { purge?: boolean } = {}): Script {
  return sh`${APT_RETRY}\ndeploy_apt ${APT_ENV} apt-get ${options.purge ? "purge" : "remove"} ${APT_OPTIONS} ${packages}`;
}

/** How many lines of why a dpkg run failed go into the message, besides apt's own E: lines. */
export const DPKG_REASON_LINES = 10;

/**
 * The apt error lines ("E: ...") of a failed run, then why dpkg failed, else its last lines. apt's own
 * line says only "Sub-process /usr/bin/dpkg returned an error code (1)": the cause is in what dpkg and the
 * package's scripts printed before it ("dpkg: error processing package nginx (--configure):" with its
 * indented reason, "nginx: [emerg] bind() ... failed"), the last DPKG_REASON_LINES of them.
 */
export function aptError(output: string): string {
  const lines = output.split("\n").map((l) => l.trimEnd());
  const errors = lines.filter((l) => l.startsWith("E: "));
  if (errors.length === 0) return lines.filter((l) => l !== "").slice(-4).join(" / ").trim();
  const reasons: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("dpkg: ")) {
      // dpkg indents the reason of an error on the lines after it.
      let whole = line;
      while (lines[i + 1]?.startsWith(" ") && lines[i + 1]!.trim() !== "") whole += ` ${lines[++i]!.trim()}`;
      reasons.push(whole);
    } else if (!/^[EWN]: /.test(line) && !line.startsWith(" ") && !/^Errors were encountered/.test(line) && DPKG_SAYS_WHY.test(line)) {
      reasons.push(line.trim());
    }
  }
  const why = [...new Set(reasons)].slice(-DPKG_REASON_LINES);
  return [...errors, ...why].join(" / ");
}

/** A line a maintainer script or a service it starts prints when it fails (not apt's progress lines). */
const DPKG_SAYS_WHY = /\b(error|errors|failed|fatal|emerg|cannot|unable|denied|not found)\b/i;
