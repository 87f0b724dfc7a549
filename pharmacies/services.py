"""Writes about the pharmacy's people: staff members, their logins and operator codes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from pharmacies.access import AuthenticatedHttpRequest
from pharmacies.accounts import user_email_change_request, user_invitation_send
from pharmacies.models import JobRun, Pharmacy, StaffMember, User


def _new_login(*, username: str, email: str, first_name: str, last_name: str, active: bool) -> User:
    # No password: the person chooses one from the invitation sent to their e-mail,
    # so nobody else ever knows it.
    user = User(
        username=username, email=email, first_name=first_name, last_name=last_name,
        kind=User.Kind.PHARMACY, is_active=active,
    )
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def staff_member_create(
    *,
    request: AuthenticatedHttpRequest,
    pharmacy: Pharmacy,
    first_name: str,
    last_name: str,
    role: str,
    operator_code: str,
    active: bool = True,
    username: str = "",
    email: str = "",
) -> StaffMember:
    """A staff member, with a login (and its invitation) when a username is given."""
    user = None
    if username:
        user = _new_login(
            username=username, email=email, first_name=first_name, last_name=last_name,
            active=active,
        )
        user_invitation_send(request=request, user=user, pharmacy_name=pharmacy.name)
    return StaffMember.objects.create(
        pharmacy=pharmacy, user=user, first_name=first_name, last_name=last_name, role=role,
        operator_code=operator_code, active=active,
    )


@transaction.atomic
def staff_member_update(
    *,
    request: AuthenticatedHttpRequest,
    staff_member: StaffMember,
    first_name: str,
    last_name: str,
    role: str,
    operator_code: str,
    active: bool,
    email: str = "",
    username: str = "",
) -> StaffMember:
    """The staff member's details; a login's new e-mail waits for its owner's confirmation."""
    for name, value in {
        "first_name": first_name, "last_name": last_name, "role": role,
        "operator_code": operator_code, "active": active,
    }.items():
        setattr(staff_member, name, value)
    if (user := staff_member.user) is not None:
        user.first_name, user.last_name, user.is_active = first_name, last_name, active
        user.save(update_fields=["first_name", "last_name", "is_active"])
        if email and email != user.email:
            user_email_change_request(request=request, user=user, new_email=email)
        staff_member.save()
        return staff_member
    staff_member.save()
    if username:
        staff_member.user = _new_login(
            username=username, email=email, first_name=first_name, last_name=last_name,
            active=active,
        )
        staff_member.save(update_fields=["user"])
        user_invitation_send(request=request, user=staff_member.user, pharmacy_name=staff_member.pharmacy.name)
    return staff_member


# --- The runs of a pharmacy's background jobs (JobRun) -----------------------------
# Asked by the job's orchestrator (the night: tiers_payant.night), which owns no table.


def job_run_get(*, pharmacy_id: int, job: str, period: str) -> JobRun:
    """The run row of (pharmacy, job, period), created pending the first time."""
    run, _ = JobRun.objects.get_or_create(pharmacy_id=pharmacy_id, job=job, period=period)
    return run


def job_run_claim(*, run: JobRun, force: bool = False) -> bool:
    """Compare-and-swap to running; False when the run is done already (unless `force`)."""
    claimable = JobRun.objects.filter(pk=run.pk)
    if not force:
        claimable = claimable.exclude(state=JobRun.State.DONE)
    return bool(claimable.update(
        state=JobRun.State.RUNNING, attempts=run.attempts + 1, started_at=timezone.now(), error="",
    ))


def job_run_finish(*, run: JobRun, stats: dict | None = None, error: str = "") -> None:
    """Done with its figures, or failed with its error (claimable again)."""
    if error:
        JobRun.objects.filter(pk=run.pk).update(
            state=JobRun.State.FAILED, error=error[:2000], finished_at=timezone.now()
        )
    else:
        JobRun.objects.filter(pk=run.pk).update(
            state=JobRun.State.DONE, finished_at=timezone.now(), stats=stats or {}
        )
