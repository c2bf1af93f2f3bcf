// `npm run dev`: a working local gateway in one command, quiet when all is well.
// 1. First run: a local admin token in .dev.vars (gitignored), so the gateway is usable at once and
//    the token never lands in wrangler.toml or the repository; and ALLOW_HTTP_LOOPBACK, so
//    notification targets may be plain http:// receivers on localhost.
// 2. The D1 migrations, applied to the local database on every start: one line when they apply,
//    wrangler's whole output only when they fail.
// 3. `wrangler dev` with the arguments given (`npm run dev -- --port 8788`). Offline, Miniflare's
//    fetch of a real `Request.cf` object fails with a stack trace and falls back to a placeholder;
//    the gateway reads nothing from `cf`, so the fetch is switched off.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const file = new URL("../.dev.vars", import.meta.url);
let current = existsSync(file) ? readFileSync(file, "utf8") : "";

function add(name, value, note) {
	if (new RegExp(`^${name}=.+$`, "m").test(current)) return;
	current = `${current}${current && !current.endsWith("\n") ? "\n" : ""}${name}=${value}\n`;
	writeFileSync(file, current);
	console.log(`wrote ${note} to .dev.vars`);
}

add("ADMIN_TOKEN", `dev_${randomBytes(24).toString("base64url")}`, "a local ADMIN_TOKEN");
add("ALLOW_HTTP_LOOPBACK", "true", "ALLOW_HTTP_LOOPBACK=true (local http:// receivers)");

const env = {
	...process.env,
	CLOUDFLARE_CF_FETCH_ENABLED: "false",
	WRANGLER_SEND_METRICS: "false",
};
const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local"], {
	env: { ...env, CI: "true" }, // no prompt
	encoding: "utf8",
});
if (migrate.status !== 0) {
	process.stdout.write(migrate.stdout ?? "");
	process.stderr.write(migrate.stderr ?? (migrate.error ? String(migrate.error) : ""));
	console.error("npm run dev: the local D1 migrations failed (above); the gateway was not started");
	process.exit(migrate.status ?? 1);
}
// Wrangler prints its table again after each migration: count each name once.
const applied = new Set(migrate.stdout.match(/\d{4}_[\w-]+\.sql(?=\s*│\s*✅)/gu)).size;
console.log(
	applied > 0
		? `local D1: applied ${applied} migration${applied === 1 ? "" : "s"}`
		: "local D1: up to date",
);

const dev = spawn("wrangler", ["dev", ...process.argv.slice(2)], { env, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
