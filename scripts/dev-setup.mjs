// First-run setup for `npm run dev`: a local admin token in .dev.vars (gitignored), so the local
// gateway is usable at once and the token never lands in wrangler.toml or the repository.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const file = new URL("../.dev.vars", import.meta.url);
const current = existsSync(file) ? readFileSync(file, "utf8") : "";
if (!/^ADMIN_TOKEN=.+$/m.test(current)) {
	const token = `dev_${randomBytes(24).toString("base64url")}`;
	writeFileSync(
		file,
		`${current}${current && !current.endsWith("\n") ? "\n" : ""}ADMIN_TOKEN=${token}\n`,
	);
	console.log("wrote a local ADMIN_TOKEN to .dev.vars");
}
