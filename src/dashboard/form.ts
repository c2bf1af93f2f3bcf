import { readTextLimited } from "../http/body";
import { HttpError } from "../http/errors";

/**
 * The dashboard's forms (sign-in, sign-out, acknowledge, resolve) hold a token or a CSRF token
 * and nothing else, so a few KiB is plenty; the preview's holds a body. Sign-in takes anyone's body: it is bounded before it
 * is read whole or parsed, as every other body is.
 */
export const MAX_FORM_BYTES = 4 * 1024;

/**
 * The preview form holds a body as a sender would push it, URL-encoded (which can triple it): a
 * sample from a sender's docs fits; a larger body can be previewed through the API.
 */
export const MAX_PREVIEW_FORM_BYTES = 64 * 1024;

const FORM_TYPE = "application/x-www-form-urlencoded";

/** Anything but the one encoding the dashboard's own forms use (multipart included). */
export class UnsupportedFormType extends HttpError {
	constructor() {
		super(
			415,
			"UnsupportedMediaType",
			`the dashboard takes its own forms only, sent as ${FORM_TYPE}`,
		);
	}
}

/**
 * A dashboard form's fields: the media type checked before anything is read, then at most
 * MAX_FORM_BYTES read (`413` past them, the upload cancelled), then parsed.
 */
export async function readForm(
	request: Request,
	maxBytes = MAX_FORM_BYTES,
): Promise<URLSearchParams> {
	const mediaType = (request.headers.get("Content-Type") ?? "").split(";")[0]?.trim().toLowerCase();
	if (mediaType !== FORM_TYPE) throw new UnsupportedFormType();
	return new URLSearchParams(await readTextLimited(request, maxBytes));
}
