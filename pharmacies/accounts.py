"""Writes about a login: its sessions, its invitation, its e-mail address."""

from __future__ import annotations

import secrets

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from pharmacies.access import AuthenticatedHttpRequest
from pharmacies.models import User


def user_other_sessions_end(*, request: HttpRequest, user: User) -> None:
    """Log the user out everywhere but here: the session hash changes, the current
    session is re-signed, every other session fails its check on its next request."""
    user.session_salt = secrets.token_hex(16)
    user.save(update_fields=["session_salt"])
    update_session_auth_hash(request, user)


# An e-mail address is the key to a login (the password reset goes there): it never
# changes on someone else's word. A change asked on the staff page waits for the
# person to confirm it, signed in as themself, from a link sent to the new address;
# the old address is told. A new login gets an invitation to choose its password.
EMAIL_CHANGE_SALT = "pharmacies.email-change"
EMAIL_CHANGE_MAX_AGE = 3 * 24 * 3600


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def _send(subject: str, body: str, to: str) -> None:
    transaction.on_commit(lambda: send_mail(subject, body, None, [to]))


def user_invitation_send(*, request: HttpRequest, user: User, pharmacy_name: str) -> None:
    """The link to choose a password (Django's reset link: single use, expires)."""
    link = _absolute(request, reverse("password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }))
    _send(
        "Votre accès au tiers-payant",
        f"Bonjour {user.first_name},\n\n{pharmacy_name} vous a ouvert un accès au suivi du "
        f"tiers-payant (identifiant : {user.username}).\nChoisissez votre mot de passe ici :\n{link}\n\n"
        "Ce lien ne sert qu'une fois.",
        user.email,
    )


def user_email_change_request(*, request: AuthenticatedHttpRequest, user: User, new_email: str) -> None:
    """Ask the person to confirm a new address; nothing changes until they do."""
    token = signing.dumps({"user": user.pk, "email": new_email, "old": user.email}, salt=EMAIL_CHANGE_SALT)
    link = _absolute(request, reverse("account_email_confirm", args=[token]))
    _send(
        "Confirmez votre nouvelle adresse",
        f"Bonjour {user.first_name},\n\nUne nouvelle adresse a été demandée pour votre accès "
        f"({user.username}) au suivi du tiers-payant. Pour la confirmer, connectez-vous puis "
        f"ouvrez ce lien (valable 3 jours) :\n{link}\n\nSi vous n'êtes pas à l'origine de "
        "cette demande, ignorez ce message : rien ne change.",
        new_email,
    )
    if user.email:
        _send(
            "Changement d'adresse demandé",
            f"Bonjour {user.first_name},\n\nUn changement de l'adresse de votre accès "
            f"({user.username}) vers {new_email} a été demandé. Il ne prendra effet que si vous "
            "le confirmez vous-même. Si vous n'êtes pas à l'origine de cette demande, prévenez "
            "votre titulaire.",
            user.email,
        )
    _log(request.user, user, f"Changement d'e-mail demandé pour {user.username} : {user.email or '—'} → {new_email}")


class EmailChangeRefused(Exception):
    pass


def user_email_change_confirm(*, user: User, token: str) -> str:
    """Apply a confirmed change: only the person it was asked for, with a fresh link."""
    try:
        asked = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_MAX_AGE)
    except signing.SignatureExpired:
        raise EmailChangeRefused("Ce lien a expiré : demandez un nouveau changement d'adresse.") from None
    except signing.BadSignature:
        raise EmailChangeRefused("Ce lien n'est pas valable.") from None
    if asked["user"] != user.pk or asked["old"] != user.email:
        raise EmailChangeRefused("Ce lien n'est pas valable pour ce compte.")
    user.email = asked["email"]
    user.save(update_fields=["email"])
    _log(user, user, f"Nouvel e-mail confirmé par {user.username} : {user.email}")
    return user.email


def _log(actor: User, user: User, message: str) -> None:
    LogEntry.objects.log_actions(
        user_id=actor.pk, queryset=User.objects.filter(pk=user.pk), action_flag=CHANGE,
        change_message=message, single_object=True,
    )


def user_daily_digest_set(*, user: User, wanted: bool) -> None:
    """The person's own choice for the daily e-mail digest (their account page)."""
    User.objects.filter(pk=user.pk).update(daily_digest=wanted)
    user.daily_digest = wanted
