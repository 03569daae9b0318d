// The Debian mirror and DNS server come from this machine's own configuration: the lab never hard-codes
// a host name, so it works behind whatever mirror or proxy the machine already uses.

/** First `URIs:` of a deb822 stanza serving `suite` (e.g. bookworm) from debian.sources text. */
export function mirrorFromDeb822(text: string, suite: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split("\n")) {
      if (line.startsWith("#")) continue;
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (match?.[1] && match[2] !== undefined) fields.set(match[1].toLowerCase(), match[2].trim());
    }
    const types = (fields.get("types") ?? "").split(/\s+/);
    const suites = (fields.get("suites") ?? "").split(/\s+/);
    const enabled = (fields.get("enabled") ?? "yes").toLowerCase() !== "no";
    const uri = (fields.get("uris") ?? "").split(/\s+/)[0];
    if (enabled && types.includes("deb") && suites.includes(suite) && uri) return uri;
  }
  return undefined;
}

/** First `deb URI suite ...` line (one-line format, options in [brackets] allowed) serving `suite`. */
export function mirrorFromSourcesList(text: string, suite: string): string | undefined {
  for (const rawLine of text.split("\n")) {
    const line = rawLine.replace(/#.*/, "").trim();
    const match = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (match?.[1] && match[2] === suite) return match[1];
  }
  return undefined;
}

/** First nameserver of a resolv.conf. */
export function firstNameserver(text: string): string | undefined {
  for (const line of text.split("\n")) {
    const match = /^\s*nameserver\s+(\S+)/.exec(line);
    if (match?.[1]) return match[1];
  }
  return undefined;
}
