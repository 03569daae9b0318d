// A client option file (`[client]` section) for connecting to another server, e.g. the primary a replica
// is seeded from. It is written to a root-only temp file from stdin and removed afterwards: the password
// never appears on a command line. Values are double-quoted with the escapes the client's option parser
// undoes (\\ \" \n \t \r), so spaces, '#', quotes and backslashes survive.

const ESCAPES: Record<string, string> = { "\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r" };

export function optionValue(value: string): string {
  return `"${value.replace(/[\\"\n\t\r]/g, (c) => ESCAPES[c] ?? c)}"`;
}

export interface ClientOptions {
  host: string;
  port: number;
  user: string;
  password: string;
}

export function clientOptionFile(options: ClientOptions): string {
  return [
    "[client]",
    `host=${optionValue(options.host)}`,
    `port=${options.port}`,
    `user=${optionValue(options.user)}`,
    `password=${optionValue(options.password)}`,
    "",
  ].join("\n");
}
