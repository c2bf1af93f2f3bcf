import { WrongIntegrationType } from "../../http/errors";
import type { PushHandler } from "../ingest";

/**
 * An email integration takes mail (push/email.ts), not HTTP pushes: its push URL refuses, and
 * says where the mail goes. A preview of a raw message runs the mail's own module.
 */
export const handleEmailPush: PushHandler = async (c, target, text) => {
	if (target.preview) {
		const { previewMail } = await import("./receive");
		return previewMail(c, target, text);
	}
	throw new WrongIntegrationType(
		"this is an email integration: it takes mail sent to its address (its key @ the EMAIL_DOMAIN that Email Routing sends to this worker), not HTTP pushes; POST a raw message to /api/v1/integrations/{id}/preview to try one",
	);
};
