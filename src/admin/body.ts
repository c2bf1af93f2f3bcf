import { readTextLimited } from "../http/body";
import { parseJson } from "../http/validation";

const MAX_ADMIN_BODY_BYTES = 64 * 1024;

export async function readJsonBody(request: Request): Promise<unknown> {
	return parseJson(await readTextLimited(request, MAX_ADMIN_BODY_BYTES));
}
