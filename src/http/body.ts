import { InvalidParameter, PayloadTooLarge } from "./errors";

/**
 * Reads a request body as UTF-8 text, refusing it as soon as it passes `limitBytes`: a declared
 * Content-Length over the limit is refused before reading anything, and a chunked body is
 * cancelled at the first chunk past the limit, so an oversized body is never buffered whole.
 */
export async function readTextLimited(request: Request, limitBytes: number): Promise<string> {
	const declared = Number(request.headers.get("Content-Length") ?? Number.NaN);
	if (declared > limitBytes) throw new PayloadTooLarge(limitBytes);
	if (request.body === null) return "";

	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > limitBytes) {
			await reader.cancel();
			throw new PayloadTooLarge(limitBytes);
		}
		chunks.push(value);
	}

	const bytes = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		bytes.set(chunk, offset);
		offset += chunk.byteLength;
	}
	try {
		return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
	} catch {
		throw new InvalidParameter("the body is not valid UTF-8");
	}
}
