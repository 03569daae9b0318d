// The reference stack's application. Every answer names the server that served it, so a user can see the
// load balancer alternate; notes are written to the MySQL primary and read from the replica, or from the
// primary while the replica cannot answer. A database outage costs only what needs that database: `/`
// needs none, writes need the primary, reads either one.
// Configuration (database hosts and credentials) comes from a root-owned JSON file that the app role
// renders: its path is the first argument, never secrets on the command line or in the environment.
import { readFileSync } from "node:fs";
import http from "node:http";
import mysql from "mysql2/promise";

/** Every mistake of a config, as lines (empty when it is usable). */
function configProblems(config) {
  const problems = [];
  const isText = (v) => typeof v === "string" && v.length > 0;
  const isPort = (v) => Number.isInteger(v) && v >= 1 && v <= 65535;
  if (config === null || typeof config !== "object" || Array.isArray(config)) return ["the config must be a JSON object"];
  if (!isText(config.server_name)) problems.push("server_name: expected a non-empty string");
  if (config.port !== undefined && !isPort(config.port)) problems.push(`port: expected a port number (1-65535), got ${JSON.stringify(config.port)}`);
  if (config.listen !== undefined && !isText(config.listen)) problems.push("listen: expected an address");
  for (const role of ["primary", "replica"]) {
    const db = config[role];
    if (db === undefined && role === "replica") continue;
    if (db === null || typeof db !== "object") {
      problems.push(`${role}: expected { host, port, user, password, database }`);
      continue;
    }
    for (const key of ["host", "user", "database"]) if (!isText(db[key])) problems.push(`${role}.${key}: expected a non-empty string`);
    if (typeof db.password !== "string") problems.push(`${role}.password: expected a string`);
    if (db.port !== undefined && !isPort(db.port)) problems.push(`${role}.port: expected a port number (1-65535), got ${JSON.stringify(db.port)}`);
  }
  return problems;
}

// `node server.js --check FILE`: validate a config without starting (the app role checks a new config
// this way before it replaces the live one).
if (process.argv[2] === "--check") {
  let problems;
  try {
    problems = configProblems(JSON.parse(readFileSync(process.argv[3], "utf8")));
  } catch (error) {
    problems = [error.message];
  }
  for (const p of problems) console.error(`${process.argv[3]}: ${p}`);
  process.exit(problems.length ? 1 : 0);
}

const config = JSON.parse(readFileSync(process.argv[2] ?? "/etc/notes-app/config.json", "utf8"));
const problems = configProblems(config);
if (problems.length) {
  for (const p of problems) console.error(`config: ${p}`);
  process.exit(1);
}

function pool(db) {
  return mysql.createPool({
    host: db.host,
    port: db.port ?? 3306,
    user: db.user,
    password: db.password,
    database: db.database,
    connectionLimit: 5,
    connectTimeout: 3000,
    enableKeepAlive: true,
  });
}

const primary = pool(config.primary);
const replica = config.replica ? pool(config.replica) : primary;

/** The database server's own name, so answers can say which database served them. */
async function serverName(db) {
  const [rows] = await db.query("SELECT @@hostname AS name");
  return rows[0].name;
}

/**
 * Is this error the database being unreachable or unable to take writes (rather than a mistake in a
 * statement)? No connection, a lost one, a server shutting down, too many connections, read-only.
 */
function isOutage(error) {
  return error.fatal === true || error.sqlState === undefined || error.sqlState.startsWith("08") || [1040, 1053, 1290].includes(error.errno);
}

/** An answer when a database cannot answer: 503, saying which without its address or driver details. */
function unavailable(message, cause) {
  return Object.assign(new Error(`${message}, try again later`), { status: 503, cause });
}

// After the replica failed, reads go straight to the primary for a while instead of each waiting on it
// again (an unreachable host costs a whole connect timeout); then the replica is tried again.
const REPLICA_RETRY_MS = 2000;
let replicaFailedAt = -Infinity;

/** A read on the replica, or on the primary while the replica cannot answer: [rows, database name]. */
async function read(sql) {
  if (replica !== primary && Date.now() - replicaFailedAt >= REPLICA_RETRY_MS) {
    try {
      const [rows] = await replica.query(sql);
      return [rows, await serverName(replica)];
    } catch (error) {
      replicaFailedAt = Date.now();
      console.error(`replica: ${error.message}; reading from the primary`);
    }
  }
  try {
    const [rows] = await primary.query(sql);
    return [rows, await serverName(primary)];
  } catch (error) {
    throw unavailable(replica === primary ? "the primary database is unavailable" : "neither the replica nor the primary database is available", error);
  }
}

/** Can this database answer now? For /status: { ok, db } or { ok: false, error } (an error code only). */
async function databaseStatus(db) {
  try {
    return { ok: true, db: await serverName(db) };
  } catch (error) {
    return { ok: false, error: error.code ?? "unavailable" };
  }
}

function send(res, status, body) {
  const text = JSON.stringify(body) + "\n";
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req, limit = 64 * 1024) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw Object.assign(new Error("body too large"), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const routes = {
  "GET /": async () => [200, { server: config.server_name, version: config.version }],

  // What the load balancer checks on every app server (through Nginx), and the app role waits on after a
  // restart: can THIS server serve? Never the databases: every app server shares them, so one database
  // down would fail every server's check at once and take the whole site out, `/` included.
  "GET /health": async () => [200, { server: config.server_name, status: "ok" }],

  // The databases as this server sees them, for people and monitoring; no load balancer acts on it.
  // 200 when both answer, 503 otherwise (the site may still serve: see which one is down).
  "GET /status": async () => {
    const [p, r] = await Promise.all([databaseStatus(primary), databaseStatus(replica)]);
    return [p.ok && r.ok ? 200 : 503, { server: config.server_name, primary: p, replica: r }];
  },

  "POST /notes": async (req) => {
    let text;
    try {
      text = JSON.parse(await readBody(req)).text;
    } catch {
      return [400, { error: 'body must be JSON: {"text": "..."}' }];
    }
    if (typeof text !== "string" || text.length === 0 || text.length > 1000) {
      return [400, { error: "text must be a non-empty string of at most 1000 characters" }];
    }
    // Only the primary takes writes: without it, a clear 503 (HAProxy never retries a POST that reached a server).
    let result;
    try {
      [result] = await primary.query("INSERT INTO notes (text, server) VALUES (?, ?)", [text, config.server_name]);
    } catch (error) {
      throw isOutage(error) ? unavailable("the primary database is unavailable: notes cannot be written now", error) : error;
    }
    return [201, { id: result.insertId, server: config.server_name, db: await serverName(primary).catch(() => "primary") }];
  },

  "GET /notes": async () => {
    const [rows, db] = await read("SELECT id, text, server, created_at FROM notes ORDER BY id DESC LIMIT 100");
    return [200, { server: config.server_name, db, notes: rows }];
  },
};

const server = http.createServer(async (req, res) => {
  const path = new URL(req.url ?? "/", "http://x").pathname;
  const route = routes[`${req.method} ${path}`];
  if (!route) return send(res, 404, { error: "not found", server: config.server_name });
  try {
    const [status, body] = await route(req);
    send(res, status, body);
  } catch (error) {
    const status = error.status ?? 500;
    if (error.cause) console.error(`${req.method} ${path}: ${error.message}: ${error.cause.message}`);
    send(res, status, { error: error.message, server: config.server_name });
  }
});

server.listen(config.port ?? 3000, config.listen ?? "127.0.0.1", () => {
  console.log(`notes-app ${config.version} on ${config.server_name} listening on ${config.listen ?? "127.0.0.1"}:${config.port ?? 3000}`);
});

// systemd stops the service with SIGTERM: finish the requests in flight, then exit.
process.on("SIGTERM", () => {
  server.close(() => Promise.allSettled([...new Set([primary, replica])].map((db) => db.end())).then(() => process.exit(0)));
  setTimeout(() => process.exit(0), 5000).unref();
});
