"""The small HTML pages customers and staff see. Self-contained (no scripts, no external assets),
accessible (lang, one h1, labelled controls, visible focus, works at any zoom) and escaped throughout.

A GET never changes anything: mail gateways and link scanners fetch every link in an email, so a
link opens a page whose one button (a `Form`, always POST) does the act.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

_STYLE = (
    "body{font:1.05rem/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}"
    "h1{font-size:1.5rem}label{display:block;font-weight:600;margin:.5rem 0}"
    "textarea{width:100%;min-height:6rem;font:inherit;padding:.5rem;box-sizing:border-box}"
    "button{font:inherit;padding:.5rem 1.25rem;margin-top:.75rem;background:#0b5394;color:#fff;border:0;border-radius:4px}"
    "button:focus,textarea:focus,a:focus{outline:3px solid #f9a825;outline-offset:2px}"
)
# the token is in the URL: never leak it to other sites, never let a page be cached or indexed
HEADERS = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-robots-tag": "noindex, nofollow",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
}


@dataclass(frozen=True)
class Form:
    """The one button that acts: a POST to `action` (relative to the page) carrying `hidden` fields.

    `comment` adds the optional comment box above the button."""

    action: str
    button: str
    hidden: tuple[tuple[str, str], ...] = ()
    comment: bool = False

    def html(self) -> str:
        e = html.escape
        parts = [f"<form method='post' action='{e(self.action)}'>"]
        parts += [f"<input type='hidden' name='{e(k)}' value='{e(v)}'>" for k, v in self.hidden]
        if self.comment:
            parts.append(
                "<label for='comment'>Anything you would like to tell us? (optional)</label>"
                "<textarea id='comment' name='comment' maxlength='2000'></textarea>"
            )
        parts.append(f"<button type='submit'>{e(self.button)}</button></form>")
        return "".join(parts)


@dataclass(frozen=True)
class Page:
    status: int
    title: str
    message: str
    form: Form | None = None
    details: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def html(self) -> str:
        e = html.escape
        parts = [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width, initial-scale=1'>",
            f"<title>{e(self.title)}</title><style>{_STYLE}</style></head><body><main>",
            f"<h1>{e(self.title)}</h1><p role='status'>{e(self.message)}</p>",
        ]
        if self.details:
            parts.append("<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in self.details) + "</dl>")
        if self.form is not None:
            parts.append(self.form.html())
        parts.append("</main></body></html>")
        return "".join(parts)

    def to_apigw(self) -> dict[str, object]:
        return {"statusCode": self.status, "headers": {**HEADERS, **self.headers}, "body": self.html()}


FORBIDDEN = Page(403, "This link cannot be used", "This link is not valid any more. No action was taken.")
TOO_MANY = Page(
    429, "Too many requests", "This link has been used too often. Please try again later.", headers={"retry-after": "600"}
)
NOT_FOUND = Page(404, "Not found", "There is nothing here.")
UNAVAILABLE = Page(503, "Please try again later", "We could not take your answer just now. Please try again later.")


def off_scale(low: int, high: int) -> Page:
    return Page(400, "That score is not on the scale", f"Please choose a score from {low} to {high}.")
