"""Every write on the ledger: the audit trail, service records (create, approve, reject, amend, manual entry).

Approved history is append-only: a correction is a new approved row that `amends` the original with deltas, and
audit entries are only ever inserted.
"""

import json
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import Invalid
from apps.core.text import clean_text, text_too_long
from apps.ledger import errors
from apps.ledger.models import AuditEntry, RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.ledger.permissions import require_community_staff, require_not_own_service
from apps.ledger.selectors import record_effective, require_aware, subject_type_of
from apps.stats.rollups import rollup_record

_CONTENT_MAX = ServiceRecord._meta.get_field("content").max_length
_REASON_MAX = ServiceRecord._meta.get_field("decision_reason").max_length
_AUDIT_REASON_MAX = AuditEntry._meta.get_field("reason").max_length
_JSON = DjangoJSONEncoder()


# --- audit trail ------------------------------------------------------------------------------------------------


def _jsonable(value):
    """Datetimes, dates, decimals and lazy strings become their JSON forms, as they will read back from the row."""
    if value is None:
        return None
    return json.loads(_JSON.encode(value))


def audit_log(*, actor, subject, action, before=None, after=None, reason=""):
    """Append one entry to the audit trail: `actor` (None: the system) did `action` to `subject` (a model instance).

    Call it inside the caller's transaction, next to the change it describes, so that both commit or neither does;
    it never commits on its own. `before` / `after` are JSON-able dicts (datetimes and decimals are converted).
    A reason longer than the column is refused (422 reason_too_long, the caller's change rolls back with it) rather
    than cut or left to the database: the services check their own, shorter limits before they get here.
    """
    return AuditEntry.objects.create(
        at=timezone.now(),
        actor=actor,
        subject_type=subject_type_of(subject),
        subject_id=subject.pk,
        action=action,
        before=_jsonable(before),
        after=_jsonable(after),
        reason=_audit_reason(reason),
    )


def audit_log_many(*, actor, action, changes, reason=""):
    """audit_log for many subjects at once (a roster import of thousands of members): one entry per
    `(subject, before, after)` of `changes`, all by `actor`, for `action`, with one reason and one time, inserted in
    a few statements. The same rules: inside the caller's transaction, next to the changes. Returns the entries."""
    reason = _audit_reason(reason)
    at = timezone.now()
    entries = [
        AuditEntry(
            at=at,
            actor=actor,
            subject_type=subject_type_of(subject),
            subject_id=subject.pk,
            action=action,
            before=_jsonable(before),
            after=_jsonable(after),
            reason=reason,
        )
        for subject, before, after in changes
    ]
    return AuditEntry.objects.bulk_create(entries, batch_size=500)


def _audit_reason(reason):
    reason = str(reason or "")
    if len(reason) > _AUDIT_REASON_MAX:
        message = errors.REASON_TOO_LONG_MAX % {"max": _AUDIT_REASON_MAX}
        raise text_too_long(_AUDIT_REASON_MAX, field="reason", code="reason_too_long", message=message)
    return reason


# --- service records --------------------------------------------------------------------------------------------


def _on_ledger_change(record):
    """Called inside the transaction of every write of a record (create, approve, reject, amend), after the row
    is written: the statistics roll-ups take the record's contribution in the same transaction, so they can never
    disagree with a committed ledger."""
    rollup_record(record)


def _state(record):
    return {
        "status": record.status,
        "credited_minutes": record.credited_minutes,
        "residents_served": record.residents_served,
    }


def _clean_reason(reason, *, required):
    """The reason as stored (apps.core.text.clean_text: direction controls removed, trimmed), at most _REASON_MAX
    characters (422 reason_too_long), and not blank when required (422 reason_required)."""
    reason = clean_text(
        reason, max_length=_REASON_MAX, field="reason", code="reason_too_long", message=errors.REASON_TOO_LONG
    )
    if required and not reason:
        raise errors.reason_required()
    return reason


def _check_figures(*, started_at, ended_at, credited_minutes, residents_served):
    require_aware(started_at, ended_at)
    if ended_at < started_at:
        raise Invalid("record_times_invalid", errors.RECORD_TIMES_INVALID)
    span_minutes = int((ended_at - started_at).total_seconds() // 60)
    if not 0 <= credited_minutes <= span_minutes:
        raise Invalid("minutes_exceed_span", errors.MINUTES_EXCEED_SPAN)
    if residents_served < 0:
        raise Invalid("residents_negative", errors.RESIDENTS_NEGATIVE)


def _affiliation_at(member, when):
    """The member's organ and branch on the day of the service (from the affiliation history), so a record entered
    after a move still credits the organization the member served for; the current ones if there is no history."""
    from apps.orgs.models import MemberAffiliation

    day = timezone.localdate(when)
    history = list(
        MemberAffiliation.objects.filter(member_id=member.pk)
        .order_by("started_on", "id")
        .values_list("organ_id", "branch_id", "started_on")
    )
    if not history:
        return member.organ_id, member.branch_id
    # Before the first known affiliation the earliest one is the best evidence we have.
    organ_id, branch_id, _ = history[0]
    for row_organ, row_branch, started_on in history:
        if started_on <= day:
            organ_id, branch_id = row_organ, row_branch
    return organ_id, branch_id


def _served_in_team(member, team, when):
    from apps.teams.selectors import teams_of_member_at

    return teams_of_member_at(member, when).filter(pk=team.pk).exists()


def _insert(
    *,
    member,
    community,
    grid,
    source,
    source_id,
    category,
    content,
    started_at,
    ended_at,
    credited_minutes,
    residents_served,
    recorded_by,
    status,
    decided_by,
    reason,
    occasion=None,
    team=None,
):
    """The one way an original record is written: validation, the organization snapshot, audit and hook. A `team`
    must have had the member as an active member when the service started (422 team_not_member)."""
    if source not in ServiceSource.values:
        raise Invalid("source_invalid", errors.SOURCE_INVALID)
    if category not in ServiceCategory.values:
        raise Invalid("category_invalid", errors.CATEGORY_INVALID)
    if status not in (RecordStatus.PENDING, RecordStatus.APPROVED):
        raise Invalid("status_invalid", errors.STATUS_INVALID)
    content = clean_text(content)
    if not content or len(content) > _CONTENT_MAX:
        raise Invalid("content_invalid", errors.CONTENT_INVALID)
    if grid is not None and grid.community_id != community.pk:
        raise Invalid("grid_not_in_community", errors.GRID_NOT_IN_COMMUNITY)
    _check_figures(
        started_at=started_at, ended_at=ended_at, credited_minutes=credited_minutes, residents_served=residents_served
    )
    if team is not None and not _served_in_team(member, team, started_at):
        raise Invalid("team_not_member", errors.TEAM_NOT_MEMBER)
    approved = status == RecordStatus.APPROVED
    if approved:
        require_not_own_service(decided_by, member)
    organ_id, branch_id = _affiliation_at(member, started_at)
    try:
        # A savepoint: losing to the unique constraint (one record per member and source object) must leave the
        # caller's transaction usable for the 409.
        with transaction.atomic():
            record = ServiceRecord.objects.create(
                member=member,
                organ_id=organ_id,
                branch_id=branch_id,
                community=community,
                grid=grid,
                team=team,
                source=source,
                source_id=source_id,
                category=category,
                content=content,
                started_at=started_at,
                ended_at=ended_at,
                credited_minutes=credited_minutes,
                residents_served=residents_served,
                status=status,
                recorded_by=recorded_by,
                decided_by=decided_by if approved else None,
                decided_at=timezone.now() if approved else None,
                occasion=occasion,
            )
    except IntegrityError as exc:
        raise errors.record_duplicate() from exc
    actor = recorded_by or (decided_by if approved else None)
    after = {**_state(record), "category": record.category}
    if team is not None:
        after["team"] = team.pk
    audit_log(actor=actor, subject=record, action="create", after=after, reason=reason)
    _on_ledger_change(record)
    return record


@transaction.atomic
def record_create(
    *,
    member,
    community,
    grid,
    source,
    source_id,
    category,
    content,
    started_at,
    ended_at,
    credited_minutes,
    residents_served=0,
    recorded_by=None,
    status=RecordStatus.PENDING,
    decided_by=None,
    team=None,
):
    """Write a member's service, keeping the organ and branch the member belonged to when serving.

    Other apps call this (a confirmed wish: status=APPROVED with decided_by=the confirming staff; an activity:
    pending). `recorded_by` / `decided_by` None means the system. Nobody may be the decider of their own service.
    `category` is a ServiceCategory value: the wish's or activity's category (422 category_invalid otherwise).
    `team`: the volunteer team the member served as (a team's claim or sign-up), or None.
    """
    return _insert(
        member=member,
        community=community,
        grid=grid,
        source=source,
        source_id=source_id,
        category=category,
        content=content,
        started_at=started_at,
        ended_at=ended_at,
        credited_minutes=credited_minutes,
        residents_served=residents_served,
        recorded_by=recorded_by,
        status=status,
        decided_by=decided_by,
        reason="",
        team=team,
    )


@transaction.atomic
def record_create_manual(
    *,
    actor,
    member,
    community,
    grid=None,
    category,
    content,
    started_at,
    ended_at,
    credited_minutes,
    residents_served=0,
    reason,
):
    """Community staff enter a service done offline, with its category; it waits for approval like any other (by
    someone else)."""
    return _insert_manual(
        actor=actor,
        member=member,
        community=community,
        grid=grid,
        category=category,
        content=content,
        started_at=started_at,
        ended_at=ended_at,
        credited_minutes=credited_minutes,
        residents_served=residents_served,
        reason=reason,
        occasion=None,
    )


def _insert_manual(
    *,
    actor,
    member,
    community,
    grid,
    category,
    content,
    started_at,
    ended_at,
    credited_minutes,
    residents_served,
    reason,
    occasion,
):
    """A manual entry, alone (occasion None) or as one member's record of a group entry."""
    require_community_staff(actor, community.pk)
    require_not_own_service(actor, member)
    reason = _clean_reason(reason, required=True)
    return _insert(
        member=member,
        community=community,
        grid=grid,
        source=ServiceSource.MANUAL,
        source_id=None,
        category=category,
        content=content,
        started_at=started_at,
        ended_at=ended_at,
        credited_minutes=credited_minutes,
        residents_served=residents_served,
        recorded_by=actor,
        status=RecordStatus.PENDING,
        decided_by=None,
        reason=reason,
        occasion=occasion,
    )


@transaction.atomic
def record_create_manual_group(
    *,
    actor,
    members,
    community,
    grid=None,
    category,
    content,
    started_at,
    ended_at,
    credited_minutes,
    residents_served=0,
    reason,
):
    """Several members who served together offline: one pending record each, all or none.

    The records share one `occasion`, so that the statistics count one service with a person-time per member (a
    single member's record has none: it counts alone anyway). The residents served are those of the whole occasion:
    they are written on the first member's record only, so that the figures, which add up the records, count them
    once. Each record is then decided on its own. Returns the records in the members' order.
    """
    members = list({member.pk: member for member in members}.values())
    if not members:
        raise Invalid("members_required", errors.MEMBERS_REQUIRED)
    occasion = uuid.uuid4() if len(members) > 1 else None
    return [
        _insert_manual(
            actor=actor,
            member=member,
            community=community,
            grid=grid,
            category=category,
            content=content,
            started_at=started_at,
            ended_at=ended_at,
            credited_minutes=credited_minutes,
            residents_served=residents_served if index == 0 else 0,
            reason=reason,
            occasion=occasion,
        )
        for index, member in enumerate(members)
    ]


def _decide(*, record, actor, status, reason):
    """The one way a pending record is decided: scope, own-service rule, then a conditional update (two
    concurrent decisions cannot both win), audit and hook."""
    require_community_staff(actor, record.community_id)
    require_not_own_service(actor, record.member)
    now = timezone.now()
    won = ServiceRecord.objects.filter(pk=record.pk, status=RecordStatus.PENDING).update(
        status=status, decided_by=actor, decided_at=now, decision_reason=reason, updated_at=now
    )
    if not won:
        raise errors.record_not_pending()
    before = {**_state(record), "status": RecordStatus.PENDING}
    record.refresh_from_db()
    action = "approve" if status == RecordStatus.APPROVED else "reject"
    audit_log(actor=actor, subject=record, action=action, before=before, after=_state(record), reason=reason)
    _on_ledger_change(record)
    return record


@transaction.atomic
def record_approve(*, record, actor):
    return _decide(record=record, actor=actor, status=RecordStatus.APPROVED, reason="")


@transaction.atomic
def record_approve_adjusted(*, record, actor, credited_minutes, residents_served, reason):
    """Approve a pending record with other figures than it was entered with: approved as entered, then corrected
    with the reason, so that the ledger keeps both steps. Figures equal to the entered ones are a plain approval."""
    reason = _clean_reason(reason, required=True)
    record = _decide(record=record, actor=actor, status=RecordStatus.APPROVED, reason="")
    if (credited_minutes, residents_served) != (record.credited_minutes, record.residents_served):
        record_amend(
            record=record,
            actor=actor,
            credited_minutes=credited_minutes,
            residents_served=residents_served,
            reason=reason,
        )
    return record


@transaction.atomic
def record_adjust(*, record, actor, credited_minutes, residents_served, reason):
    """Make a record count these figures, whatever became of it since the page that asked was shown.

    The record's state is read under lock in this transaction, then a pending record is approved with the figures
    (record_approve_adjusted) and an approved original corrected (record_amend). So a record another member of staff
    approved in the meantime gets the figures as a correction on top of that approval: both decisions stay in the
    ledger, and figures it already counts are amendment_no_change. A rejected record is record_not_pending (a
    rejection is never turned into an approval here), an amendment record_not_amendable. Returns the record.
    """
    require_community_staff(actor, record.community_id)
    require_not_own_service(actor, record.member)
    locked = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    figures = {"credited_minutes": credited_minutes, "residents_served": residents_served, "reason": reason}
    if locked.status == RecordStatus.PENDING:
        return record_approve_adjusted(record=locked, actor=actor, **figures)
    if locked.status == RecordStatus.REJECTED:
        raise errors.record_not_pending()
    record_amend(record=locked, actor=actor, **figures)
    return locked


@transaction.atomic
def record_reject(*, record, actor, reason):
    reason = _clean_reason(reason, required=True)
    return _decide(record=record, actor=actor, status=RecordStatus.REJECTED, reason=reason)


@transaction.atomic
def record_amend(*, record, actor, credited_minutes, residents_served, reason):
    """Correct an approved record: a new approved row carrying the deltas to the wanted figures; the original and
    earlier amendments stay as they are. Returns the amendment."""
    require_community_staff(actor, record.community_id)
    require_not_own_service(actor, record.member)
    reason = _clean_reason(reason, required=True)
    # Lock the original so two corrections in parallel compute their deltas from the same, latest figures.
    original = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    if original.amends_id is not None or original.status != RecordStatus.APPROVED:
        raise errors.record_not_amendable()
    _check_figures(
        started_at=original.started_at,
        ended_at=original.ended_at,
        credited_minutes=credited_minutes,
        residents_served=residents_served,
    )
    current = record_effective(original)
    delta_minutes = credited_minutes - current.minutes
    delta_residents = residents_served - current.residents_served
    if delta_residents and original.source == ServiceSource.ACTIVITY:
        raise Invalid("residents_on_activity", errors.RESIDENTS_ON_ACTIVITY)
    if delta_minutes == 0 and delta_residents == 0:
        raise Invalid("amendment_no_change", errors.AMENDMENT_NO_CHANGE)
    now = timezone.now()
    amendment = ServiceRecord.objects.create(
        member_id=original.member_id,
        organ_id=original.organ_id,
        branch_id=original.branch_id,
        community_id=original.community_id,
        grid_id=original.grid_id,
        team_id=original.team_id,
        source=original.source,
        source_id=original.source_id,
        category=original.category,
        content=original.content,
        # The original's times, so that period totals always count a correction with the service it corrects.
        started_at=original.started_at,
        ended_at=original.ended_at,
        credited_minutes=delta_minutes,
        residents_served=delta_residents,
        status=RecordStatus.APPROVED,
        recorded_by=actor,
        decided_by=actor,
        decided_at=now,
        decision_reason=reason,
        amends=original,
    )
    audit_log(
        actor=actor,
        subject=original,
        action="amend",
        before={"credited_minutes": current.minutes, "residents_served": current.residents_served},
        after={"credited_minutes": credited_minutes, "residents_served": residents_served, "amendment": amendment.pk},
        reason=reason,
    )
    _on_ledger_change(amendment)
    return amendment
