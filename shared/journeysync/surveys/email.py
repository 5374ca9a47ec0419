"""The survey email: SES's stored template (declared in template.yaml, versioned by name) and its data.

The template holds the words and layout; this module supplies only the data — the question and
one signed link per score — so wording changes are a template change, reviewed like code.
SES v1 `SendTemplatedEmail` is used because it is the API that sends stored templates everywhere
this runs (SES v2's templated `SendEmail` has no local implementation).
"""

from __future__ import annotations

import json
from typing import Any

from journeysync.errors import FatalError, RetriableError

_REJECTED = frozenset({"MessageRejected", "InvalidParameterValue", "MailFromDomainNotVerifiedException"})


def template_data(*, organisation: str, question: str, name: str | None, links: dict[int, str]) -> dict[str, Any]:
    """Every variable the template uses (a unit test renders the template with exactly these)."""
    ordered = sorted(links.items())
    return {
        "organisation": organisation,
        "question": question,
        "name": (name or "").split(" ")[0] or "there",
        "scale_min": str(ordered[0][0]) if ordered else "",
        "scale_max": str(ordered[-1][0]) if ordered else "",
        "scores": [{"score": str(score), "url": url} for score, url in ordered],
    }


class SurveyMailer:
    def __init__(self, sender: str, template: str, ses: Any | None = None, sesv2: Any | None = None,
                 contact_list: str | None = None, topic: str | None = None) -> None:
        if ses is None or (sesv2 is None and contact_list):
            from journeysync.aws import client as make_client

            ses = ses or make_client("ses")
            sesv2 = sesv2 or make_client("sesv2")
        self.sender, self.template, self.ses, self.sesv2 = sender, template, ses, sesv2
        self.contact_list, self.topic = contact_list, topic

    def opted_out(self, email: str) -> bool:
        """Whether the recipient told SES to stop (everything, or the survey topic). Unknown contact: no."""
        if not self.contact_list or self.sesv2 is None:
            return False
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            contact = self.sesv2.get_contact(ContactListName=self.contact_list, EmailAddress=email)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NotFoundException":
                return False
            raise RetriableError("SES did not answer whether the recipient opted out") from None
        except BotoCoreError:
            raise RetriableError("SES did not answer whether the recipient opted out") from None
        if contact.get("UnsubscribeAll"):
            return True
        return any(
            p.get("TopicName") == self.topic and p.get("SubscriptionStatus") == "OPT_OUT"
            for p in contact.get("TopicPreferences") or []
        )

    def send(self, to: str, data: dict[str, Any]) -> str:
        """The message id; FatalError if SES refuses this recipient, RetriableError for anything passing."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            resp = self.ses.send_templated_email(
                Source=self.sender, Destination={"ToAddresses": [to]}, Template=self.template,
                TemplateData=json.dumps(data),
            )
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "ClientError"))
            if code in _REJECTED:
                raise FatalError(f"SES refused the survey email ({code})") from None
            raise RetriableError(f"SES did not take the survey email ({code})") from None
        except BotoCoreError as exc:
            raise RetriableError(f"SES did not take the survey email ({type(exc).__name__})") from None
        return str(resp.get("MessageId", ""))
