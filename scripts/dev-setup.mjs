// First-run setup for `npm run dev`: a local admin token in .dev.vars (gitignored), so the local
// gateway is usable at once and the token never lands in wrangler.toml or the repository; and
// ALLOW_HTTP_LOOPBACK, so notification targets may be plain http:// receivers on localhost.
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
