import type { IntegrationType } from "../db/integrations";
import type { PushHandler } from "../push/deliver";
import { handleEventBridgePush } from "./eventbridge/handler";
import { handleSnsPush } from "./sns/handler";
import { handleStandardPush } from "./standard/handler";

/**
 * The push handler of each integration type. Adding a source is adding a folder under
 * src/sources and an entry here.
 */
export const PUSH_HANDLERS: Record<IntegrationType, PushHandler> = {
	standard: handleStandardPush,
	aws_cloudwatch: handleSnsPush,
	aws_eventbridge: handleEventBridgePush,
};
