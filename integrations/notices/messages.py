"""A notice as a neutral message (title, text, facts, links), rendered as Slack Block Kit or as a
Microsoft Teams message carrying an Adaptive Card. No translation here: the texts come translated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
SLACK_HEADER_MAX = 150
SLACK_TEXT_MAX = 3000
SLACK_FIELD_MAX = 2000
SLACK_FIELDS_PER_SECTION = 10
TEAMS_TEXT_MAX = 4000


@dataclass
class Message:
    title: str
    text: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, absolute URL)
    footer: str = ""
    # Facts laid out as a list of lines (a digest of many numbers) rather than side by side.
    facts_as_lines: bool = False


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_escape(text: str) -> str:
    """Slack reads &, < and > as markup: a title with "<!channel>" must not ping anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(message: Message) -> dict[str, Any]:
    """Block Kit: a header, the text, the facts as fields (or lines), link buttons, a context line;
    `text` is the fallback notifications and screen readers use."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(message.title, SLACK_HEADER_MAX)}}
    ]
    if message.text:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _cut(slack_escape(message.text), SLACK_TEXT_MAX)},
            }
        )
    if message.facts and message.facts_as_lines:
        lines = "\n".join(f"*{slack_escape(k)}*  {slack_escape(v)}" for k, v in message.facts)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cut(lines, SLACK_TEXT_MAX)}})
    elif message.facts:
        fields = [
            {"type": "mrkdwn", "text": _cut(f"*{slack_escape(k)}*\n{slack_escape(v)}", SLACK_FIELD_MAX)}
            for k, v in message.facts
        ]
        for start in range(0, len(fields), SLACK_FIELDS_PER_SECTION):
            blocks.append({"type": "section", "fields": fields[start : start + SLACK_FIELDS_PER_SECTION]})
    if message.links:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": _cut(label, 75)},
                        "url": url,
                        **({"style": "primary"} if index == 0 else {}),
                    }
                    for index, (label, url) in enumerate(message.links[:5])
                ],
            }
        )
    if message.footer:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": _cut(slack_escape(message.footer), 300)}],
            }
        )
    # The fallback text is read as mrkdwn too: escaped like the rest.
    return {"text": _cut(slack_escape(message.title), SLACK_TEXT_MAX), "blocks": blocks}


def teams(message: Message) -> dict[str, Any]:
    """A Teams message with one Adaptive Card (1.4): title, text, a fact set, link actions."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": message.title, "weight": "Bolder", "size": "Medium", "wrap": True}
    ]
    if message.text:
        body.append({"type": "TextBlock", "text": _cut(message.text, TEAMS_TEXT_MAX), "wrap": True})
    if message.facts:
        body.append({"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in message.facts]})
    if message.footer:
        body.append(
            {"type": "TextBlock", "text": message.footer, "isSubtle": True, "size": "Small", "wrap": True}
        )
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if message.links:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": label, "url": url} for label, url in message.links
        ]
    return {
        "type": "message",
        "summary": message.title,
        "attachments": [{"contentType": ADAPTIVE_CARD, "contentUrl": None, "content": card}],
    }


def render(provider: str, message: Message) -> dict[str, Any]:
    return slack(message) if provider == "slack" else teams(message)
