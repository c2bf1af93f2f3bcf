import { InvalidParameter, PayloadTooLarge } from "./errors";
import { parseJson } from "./validation";

/** Strict UTF-8, made once: a whole-buffer `decode` keeps no state between calls. */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Reads a request's or response's body as UTF-8 text, refusing it as soon as it passes
 * `limitBytes`: a declared Content-Length over the limit is refused before reading anything, and a
 * streamed body is cancelled at the first chunk past the limit, so it is never buffered whole.
 */
export async function readTextLimited(
	message: Request | Response,
	limitBytes: number,
	tooLarge: () => Error = () => new PayloadTooLarge(limitBytes),
): Promise<string> {
	const declared = Number(message.headers.get("Content-Length") ?? Number.NaN);
	if (declared > limitBytes) {
		await message.body?.cancel();
		throw tooLarge();
	}
	if (message.body === null) return "";
	// A declared length within the limit is read in one call; the runtime holds the body to it.
	const bytes =
		declared >= 0
			? new Uint8Array(await message.arrayBuffer())
			: await readAll(message.body, limitBytes, tooLarge);
	if (bytes.byteLength > limitBytes) throw tooLarge();
	try {
		return utf8.decode(bytes);
	} catch {
		throw new InvalidParameter("the body is not valid UTF-8");
	}
}

/** A streamed body, cancelled at the first chunk past the limit. */
async function readAll(
	body: ReadableStream<Uint8Array>,
	limitBytes: number,
	tooLarge: () => Error,
): Promise<Uint8Array> {
	const reader = body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > limitBytes) {
			await reader.cancel();
			throw tooLarge();
		}
		chunks.push(value);
	}

	const bytes = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		bytes.set(chunk, offset);
		offset += chunk.byteLength;
	}
	return bytes;
}

/** What the admin API reads of a JSON body at most: every admin body is small. */
const MAX_ADMIN_BODY_BYTES = 64 * 1024;

/** An admin request's JSON body, or a 400 (not JSON) or 413 (over 64 KiB). */
export async function readJsonBody(request: Request): Promise<unknown> {
	return parseJson(await readTextLimited(request, MAX_ADMIN_BODY_BYTES));
}
