"""Slack and Microsoft Teams notices: channels (incoming webhooks), what goes to them, how it is
rendered (Block Kit, Adaptive Cards) and sent (Celery, retried with backoff)."""
