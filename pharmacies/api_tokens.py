"""Deposit tokens: a pharmacy's machine deposits its files without a person (issue 21).

A token is shown once, when created; only its SHA-256 is stored (`ApiToken` says why).
A deposit (`POST /api/pharmacies/<id>/depots/`, in `claims.api`) is let in by
`api_token_authenticate` from its headers alone, before a byte of its body is read: a
token of another pharmacy answers 404 (as any object outside the access rule), an
unknown or revoked one 401. `RequestBodyLimitMiddleware` lets such a request (under
`API_PATH_PREFIX`, with a `Bearer` header) bring a file's worth of body to that check.
Creation, revocation and each use are audited (`ApiToken` is `audit_tracked`).
"""

from __future__ import annotations

import hashlib
import secrets

from django.db.models import QuerySet
from django.utils import timezone

from audit.context import audit_job
from pharmacies.models import ApiToken, Pharmacy, User

# Every URL under it authenticates by token, never by session (`tiers_payant/urls.py`).
API_PATH_PREFIX = "/api/"
# Says what the secret is when someone finds one in a script or a log.
TOKEN_MARK = "tpd_"
PREFIX_LENGTH = len(TOKEN_MARK) + 8


class ApiTokenRefused(Exception):
    """A deposit's token does not let it in: `status` 401 (unknown, revoked, missing) or 404."""

    def __init__(self, message: str, *, status: int):
        self.message = message
        self.status = status
        super().__init__(message)


def api_token_hash(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def api_tokens_of(*, pharmacy: Pharmacy) -> QuerySet[ApiToken]:
    """The pharmacy's tokens, active first, with who created and revoked them."""
    return (
        ApiToken.objects.filter(pharmacy=pharmacy)
        .select_related("created_by", "revoked_by")
        .order_by("revoked_at", "-created_at")
    )


def api_token_create(*, pharmacy: Pharmacy, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token: (the row, the plain token). The plain token is never stored: show it once."""
    plain = TOKEN_MARK + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        pharmacy=pharmacy, name=name.strip()[:100], prefix=plain[:PREFIX_LENGTH],
        token_hash=api_token_hash(plain), created_by=user,
    )
    return token, plain


def api_token_revoke(*, token: ApiToken, user: User) -> bool:
    """Revoke once (compare-and-swap); False when it already was."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=user
    )
    token.refresh_from_db()
    return bool(revoked)


def api_token_authenticate(*, authorization: str, pharmacy_id: int) -> ApiToken:
    """The active token of this `Authorization` header for this pharmacy, else `ApiTokenRefused`."""
    scheme, _, plain = authorization.partition(" ")
    plain = plain.strip()
    if scheme.lower() != "bearer" or not plain:
        raise ApiTokenRefused(
            "Jeton de dépôt absent : envoyez l'en-tête « Authorization: Bearer <jeton> ».", status=401
        )
    token = ApiToken.objects.select_related("pharmacy").filter(token_hash=api_token_hash(plain)).first()
    if token is None:
        raise ApiTokenRefused("Jeton de dépôt inconnu : vérifiez qu'il est recopié en entier.", status=401)
    if token.pharmacy_id != pharmacy_id:
        # As for any object outside the access rule: this pharmacy does not exist for it.
        raise ApiTokenRefused("Pharmacie introuvable pour ce jeton.", status=404)
    if token.revoked_at is not None:
        raise ApiTokenRefused(
            f"Ce jeton a été révoqué le {timezone.localtime(token.revoked_at):%d/%m/%Y} : "
            "demandez un nouveau jeton au titulaire de la pharmacie.",
            status=401,
        )
    return token


def api_token_use_record(*, token: ApiToken, file_name: str, status: str, import_batch: int | None) -> None:
    """Record a deposit with this token: `last_used_at`, and in its trail what was deposited."""
    with audit_job("depot", pharmacy_id=token.pharmacy_id, token=token.pk, file=file_name[:255],
                   result=status, import_batch=import_batch):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
