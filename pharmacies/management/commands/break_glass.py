"""`manage.py break_glass USERNAME --reason "…"`: the only way to a superuser, and it is logged.

Nobody is a superuser day to day (the supervisor keeps the reference data with
the permissions of `SUPERVISOR_ADMIN_PERMISSIONS`). When a person must do what
only a superuser can, whoever holds the server grants it here, with a reason,
and takes it back with `--end`; both land in the admin's log (LogEntry, shown
under "Actions récentes") and in the application log.
"""

import logging
import secrets

from django.contrib.admin.models import CHANGE, LogEntry
from django.core.management.base import BaseCommand, CommandError

from pharmacies.models import User

logger = logging.getLogger("tiers_payant.security")


class Command(BaseCommand):
    help = "Accès d'urgence : rend un utilisateur superutilisateur (ou le lui retire avec --end), journalisé."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", help="pourquoi (obligatoire pour ouvrir l'accès)")
        parser.add_argument("--end", action="store_true", help="retirer l'accès d'urgence")

    def handle(self, *args, username: str, reason: str | None, end: bool, **options):
        if not end and not (reason and reason.strip()):
            raise CommandError("Donnez la raison de l'accès d'urgence : --reason \"…\".")
        user, created = User.objects.get_or_create(
            username=username, defaults={"kind": User.Kind.SUPERVISOR, "is_active": True}
        )
        if created:
            password = secrets.token_urlsafe(18)
            user.set_password(password)
            self.stdout.write(f"Compte {username} créé, mot de passe : {password}")
        user.is_superuser = user.is_staff = not end
        if end and user.kind == User.Kind.SUPERVISOR:
            user.is_staff = True  # a supervisor keeps the admin, with their own permissions
        user.save()
        message = (f"Accès d'urgence retiré à {username}" if end
                   else f"Accès d'urgence ouvert à {username} : {(reason or '').strip()}")
        LogEntry.objects.log_actions(
            user_id=user.pk, queryset=User.objects.filter(pk=user.pk), action_flag=CHANGE,
            change_message=message, single_object=True,
        )
        logger.warning(message)
        self.stdout.write(self.style.WARNING(message))
