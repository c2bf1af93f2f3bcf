/**
 * Who may do what. Three roles, each holding the one below it: `read` sees (every GET but the
 * tokens and the audit log), `write` also acts on incidents and noise (acknowledge, resolve,
 * silences and maintenance windows, previews), `admin` does everything. Every admin endpoint
 * declares the role it needs (src/http/endpoint.ts); a test walks them all.
 */

export const ROLES = ["read", "write", "admin"] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { read: 0, write: 1, admin: 2 };

/** Whether `held` is `needed` or above it. */
export const roleAllows = (held: Role, needed: Role) => RANK[held] >= RANK[needed];

/** The higher of two roles. */
export const higherRole = (a: Role, b: Role): Role => (RANK[a] >= RANK[b] ? a : b);

/**
 * Who is asking, once a credential has been checked: the root ADMIN_TOKEN, an API token, or a
 * person signed in through Cloudflare Access. `channels` null: not limited to channels.
 */
export type Principal = {
	kind: "admin_token" | "token" | "access";
	/** What the audit log and the dashboard's header show: a token's name, an email. */
	name: string;
	role: Role;
	channels: readonly string[] | null;
	/** An API token's id: its sessions end when it is revoked. */
	tokenId?: string;
};

export const ROOT: Principal = {
	kind: "admin_token",
	name: "admin token",
	role: "admin",
	channels: null,
};
