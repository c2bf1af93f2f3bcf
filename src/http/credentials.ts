/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(authorization: string | undefined): string | null {
	return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1] ?? null;
}

/** The key of an `Authorization: GenieKey <key>` header (Opsgenie's scheme), or null. */
export function genieKey(authorization: string | undefined): string | null {
	return /^GenieKey\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1] ?? null;
}

/** The password of an `Authorization: Basic <base64 user:password>` header, or null. */
export function basicPassword(authorization: string | undefined): string | null {
	const encoded = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? "")?.[1];
	if (encoded === undefined) return null;
	try {
		const decoded = atob(encoded);
		const colon = decoded.indexOf(":");
		return colon === -1 ? null : decoded.slice(colon + 1);
	} catch {
		return null;
	}
}
