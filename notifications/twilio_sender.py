"""The Twilio adapter of `SmsSender`, on twilio-python's REST client.

Tests drive this very code through twilio's own `HttpClient` seam (canned answers) and
against a Prism mock of Twilio's published API description (`base_url`).

Twilio's Messages API takes no idempotency key: a timeout after Twilio took the request
may mean the message went out, and a retry sends it twice. For a dispatch page a
duplicate is the lesser harm, so timeouts count as transient.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import requests
from twilio.base import values
from twilio.base.exceptions import (
    TwilioException,
    TwilioRestException,
    TwilioServiceException,
)
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from notifications.senders import (
    PermanentSendError,
    SendReceipt,
    TransientSendError,
    mask_phone,
    send_error_for,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 10.0

# Transport failures where the request may never have reached Twilio, or Twilio may be
# briefly unreachable. Other `requests` errors (a malformed URL, say) are configuration.
_TRANSIENT_TRANSPORT = (
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True)
class ProviderMessage:
    """A message Twilio holds, as its Messages list shows it (used to reconcile the outbox)."""

    sid: str
    to: str
    body: str
    created_at: datetime | None


class TwilioSender:
    """Sends SMS through Twilio's Messages API.

    Give `from_number` (E.164), `messaging_service_sid` (MG…), or both. `http_client` is
    twilio's own seam (an `twilio.http.HttpClient`); `base_url` replaces
    `https://api.twilio.com`, e.g. with a local mock.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        http_client: HttpClient | None = None,
        base_url: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("a Twilio account SID and auth token are required")
        if not from_number and not messaging_service_sid:
            raise ValueError("give a from number or a messaging service SID")
        self.account_sid = account_sid
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self._own_http_client = None if http_client else TwilioHttpClient(timeout=timeout_s)
        self._client = Client(account_sid, auth_token, http_client=http_client or self._own_http_client)
        if base_url:
            self._client.api.base_url = base_url.rstrip("/")
            # Edge and region (possibly from TWILIO_EDGE / TWILIO_REGION) would rewrite the host.
            self._client.edge = None
            self._client.region = None

    def __repr__(self) -> str:
        sender = self.messaging_service_sid or mask_phone(self.from_number or "")
        return f"TwilioSender(account=…{self.account_sid[-4:]}, sender={sender})"

    def close(self) -> None:
        """Close the connections of the HTTP client this sender made (not one it was given)."""
        if self._own_http_client is not None and self._own_http_client.session is not None:
            self._own_http_client.session.close()

    def send(
        self,
        *,
        to: str,
        body: str,
        status_callback: str | None,
        validity_period_s: int | None,
    ) -> SendReceipt:
        try:
            message = self._client.messages.create(
                to=to,
                body=body,
                from_=self.from_number or values.unset,
                messaging_service_sid=self.messaging_service_sid or values.unset,
                status_callback=status_callback or values.unset,
                validity_period=validity_period_s if validity_period_s is not None else values.unset,
            )
        except TwilioRestException as exc:
            error = send_error_for(exc.status, exc.code, exc.msg)
            self._log_failure(to, error)
            raise error from None
        except TwilioServiceException as exc:
            error = send_error_for(exc.status, exc.code, exc.title)
            self._log_failure(to, error)
            raise error from None
        except _TRANSIENT_TRANSPORT as exc:
            error = TransientSendError(None, f"no answer from Twilio: {type(exc).__name__}")
            self._log_failure(to, error)
            raise error from None
        except (requests.exceptions.RequestException, TwilioException) as exc:
            error = PermanentSendError(None, f"cannot reach Twilio: {type(exc).__name__}")
            self._log_failure(to, error)
            raise error from None
        if not message.sid:
            raise TransientSendError(None, "Twilio answered without a message SID")
        status = str(message.status or "queued")
        log.info("SMS %s to %s: %s", message.sid, mask_phone(to), status)
        return SendReceipt(sid=message.sid, status=status)

    @staticmethod
    def _log_failure(to: str, error: TransientSendError | PermanentSendError) -> None:
        log.warning(
            "SMS to %s not sent, %s: %s",
            mask_phone(to),
            "will retry" if isinstance(error, TransientSendError) else "permanent",
            error,
        )

    def recent_messages(self, *, to: str, limit: int = 200) -> list[ProviderMessage]:
        """The newest messages Twilio holds for `to` (newest first), to learn whether a send
        whose answer was lost went through. Raises `TransientSendError` when Twilio cannot say."""
        try:
            found = self._client.messages.list(to=to, limit=limit)
        except (TwilioException, requests.exceptions.RequestException) as exc:
            raise TransientSendError(None, f"cannot list Twilio messages: {type(exc).__name__}") from None
        return [
            ProviderMessage(
                sid=str(item.sid), to=str(item.to or ""), body=str(item.body or ""), created_at=item.date_created
            )
            for item in found
            if item.sid
        ]
