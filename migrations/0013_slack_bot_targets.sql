-- Slack targets that post as a bot (chat.postMessage with a bot token, kept in `secret`) name
-- the Slack channel they post in; every other target leaves it NULL.
ALTER TABLE notification_targets ADD COLUMN slack_channel TEXT;
