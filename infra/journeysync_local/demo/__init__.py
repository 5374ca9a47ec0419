"""`journeysync demo`: a realistic day of a membership organisation, played through the local stack as
signed vendor webhooks over HTTP, then summarised (and rendered to HTML) from what the stores hold."""
