"""The glossary of figures: for every figure the platform reports, its field name, its one label (English here, the
Chinese in the translation catalogue), its definition, which services it counts and which date puts them in a
period. The dashboard pages, the API's descriptions, every Excel export (its headers and its 口径说明 sheet) and
docs/statistics.md (generated: `manage.py statistics_doc --write`) take them from here, so that one figure has one
name and one meaning everywhere.
"""

from dataclasses import dataclass

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Rule:
    """Which records a figure counts, or which date puts them in a period: shared by several figures."""

    key: str
    name: Promise
    text: Promise


# Which date puts a service in a period: one rule for every figure that counts services.
SERVICE_DAY = Rule(
    "service_day",
    _("Day of service"),
    _(
        "The day the service started, in local time: for an activity the member's attendance (the activity's start "
        "unless staff entered other times), for a micro-wish its fulfilment (the service ends when the member "
        "marked it fulfilled), for a manual record the start its staff entered, for a self-registered service the "
        "start its member gave."
    ),
)
CLAIM_DAY = Rule("claim_day", _("Day of claim"), _("The day the micro-wish was claimed."))
ACTIVITY_DAY = Rule("activity_day", _("Day the activity starts"), _("The day the activity starts."))
NOW = Rule("now", _("Now"), _("The state when the figures are read, whatever the period."))
WHOLE_PERIOD = Rule("whole_period", _("The whole period"), _("The period asked for, as a whole."))

APPROVED = Rule(
    "approved",
    _("Approved services"),
    _(
        "Approved service records attributed to the node (at an organization node by the organ and branch of the "
        "time of service, at a place by where the service was done) with more than zero credited minutes after "
        "every amendment."
    ),
)
ACTIVE_MEMBERS = Rule(
    "active_members",
    _("Members now"),
    _("The node's active members now (at a place: the active members with a confirmed registration there)."),
)
CLAIMS = Rule(
    "claims",
    _("Micro-wish claims"),
    _(
        "Claims made by the node's members, or by one of its branches as a group (at a place: claims of the wishes "
        "located there), including claims given back later."
    ),
)
ACTIVITIES = Rule("activities", _("Activities"), _("Activities published and not cancelled."))
REQUEST_DAY = Rule("request_day", _("Day of request"), _("The day the resident's request was received."))
REQUESTS = Rule(
    "requests",
    _("Resident requests"),
    _(
        "Requests residents sent through a community's poster (居民点单), at the place of the resident's address; "
        "given for the city and for places only (a request belongs to a place, not to an organization)."
    ),
)
PAIRED_DAYS = Rule(
    "paired_days",
    _("Days paired"),
    _(
        "Any day of the period on which the pairing was open: from the day it started to the day it ended, both "
        "included. Any day rather than the period's last, so that a household visited in the period (a visit is "
        "made only during a pairing) was paired in it, and a pairing ended or a household closed during the period "
        "still counts for it."
    ),
)
HOUSEHOLD_PAIRINGS = Rule(
    "household_pairings",
    _("Household pairings"),
    _(
        "Pairings (结对帮扶) of a household in need, recorded with its consent by the community's staff, with a "
        "member or a volunteer team, including pairings ended since and those of households closed since (closing "
        "a household ends its pairings that day). At a place: where the household lives (its community and grid "
        "now). At an organ or a Party organization: its members' pairings on the days they belonged to it (the "
        "organ and branch of each day, as a service keeps those of its day), and at an organ also its volunteer "
        "teams' pairings. At a member: the member's own pairings; at a volunteer team: the team's."
    ),
)
RULES = (
    APPROVED,
    ACTIVE_MEMBERS,
    CLAIMS,
    ACTIVITIES,
    REQUESTS,
    HOUSEHOLD_PAIRINGS,
    WHOLE_PERIOD,
    SERVICE_DAY,
    CLAIM_DAY,
    ACTIVITY_DAY,
    REQUEST_DAY,
    PAIRED_DAYS,
    NOW,
)


@dataclass(frozen=True)
class Figure:
    field: str
    label: Promise
    definition: Promise
    counts: Rule
    date: Rule


FIGURES = (
    Figure("members", _("Members"), _("How many members the node has."), ACTIVE_MEMBERS, NOW),
    Figure(
        "registered_members",
        _("Registered members"),
        _("Members holding a confirmed registration (个人报到) with a residential community."),
        ACTIVE_MEMBERS,
        NOW,
    ),
    Figure(
        "registration_rate",
        _("Registration rate"),
        _("Registered members divided by members; empty at a place, where everyone counted is registered."),
        ACTIVE_MEMBERS,
        NOW,
    ),
    Figure(
        "services",
        _("Services"),
        _(
            "Distinct services the node's members took part in: an activity, a micro-wish, a manual entry (for one "
            "member or several together) and a self-registered service each count once, however many members served "
            "in it."
        ),
        APPROVED,
        SERVICE_DAY,
    ),
    Figure(
        "person_times",
        _("Person-times"),
        _("Services counted once per member who served in them (an amendment is a correction, not a service)."),
        APPROVED,
        SERVICE_DAY,
    ),
    Figure(
        "members_served",
        _("Members who served"),
        _("Distinct members with at least one service."),
        APPROVED,
        SERVICE_DAY,
    ),
    Figure(
        "hours",
        _("Service hours"),
        _(
            "Credited minutes after every amendment, summed in minutes and divided by 60 once, rounded half up to "
            "one decimal."
        ),
        APPROVED,
        SERVICE_DAY,
    ),
    Figure(
        "minutes",
        _("Service minutes"),
        _("Credited minutes after every amendment: what service hours are computed from."),
        APPROVED,
        SERVICE_DAY,
    ),
    Figure(
        "residents_served",
        _("Residents served"),
        _(
            "Residents the node's services served, each service once however many of the node's members took part "
            "(and at every node that took part in it): for an activity the figure its staff entered when finishing "
            "it, for a micro-wish the residents it was for, for a manual record those its staff entered, for a "
            "self-registered service those its member gave as approved."
        ),
        APPROVED,
        SERVICE_DAY,
    ),
    Figure(
        "wish_services",
        _("Wish services"),
        _("Person-times of services written by confirmed micro-wishes."),
        APPROVED,
        SERVICE_DAY,
    ),
    Figure(
        "points",
        _("Points"),
        _(
            "Each service earns its credited minutes × POINTS_PER_HOUR / 60, rounded down, plus "
            "POINTS_PER_CONFIRMED_WISH for a confirmed micro-wish; a node's points are the sum over its services."
        ),
        APPROVED,
        SERVICE_DAY,
    ),
    Figure(
        "wishes_claimed",
        _("Wishes claimed"),
        _("Distinct micro-wishes claimed, each once however often it was claimed."),
        CLAIMS,
        CLAIM_DAY,
    ),
    Figure(
        "wishes_fulfilled",
        _("Wishes fulfilled"),
        _("Of the wishes claimed, those whose claim was marked fulfilled."),
        CLAIMS,
        CLAIM_DAY,
    ),
    Figure(
        "wishes_confirmed",
        _("Wishes confirmed"),
        _("Of the wishes claimed, those the community confirmed as fulfilled by the claim."),
        CLAIMS,
        CLAIM_DAY,
    ),
    Figure(
        "wish_completion_rate",
        _("Wish completion rate"),
        _("Wishes confirmed divided by wishes claimed, of the same claims."),
        CLAIMS,
        CLAIM_DAY,
    ),
    Figure(
        "wishes_solved",
        _("Wishes claimed and solved"),
        _(
            "Distinct micro-wishes whose service the node's members did (for a branch's claim: its members who took "
            "part) and the community confirmed, each once however many members took part (at a place: the wishes "
            "done there)."
        ),
        APPROVED,
        SERVICE_DAY,
    ),
    Figure(
        "activities_organized",
        _("Activities organized"),
        _("Activities organized by the node's Party organizations (at a place: held there); empty for a member."),
        ACTIVITIES,
        ACTIVITY_DAY,
    ),
    Figure(
        "activities_joined",
        _("Activities taken part in"),
        _(
            "Distinct activities in which the node's members served, whoever organized them, each once however many "
            "members attended (at a place: the activities served there; for a member: the activities they served "
            "in)."
        ),
        APPROVED,
        SERVICE_DAY,
    ),
    Figure(
        "zero_service_members",
        _("Zero-service members"),
        _("Members of the node with no service attributed to the node in the period."),
        APPROVED,
        SERVICE_DAY,
    ),
    Figure(
        "target_hours",
        _("Hour target"),
        _(
            "ANNUAL_HOUR_TARGET hours (50 by default) for a calendar year; another period gets it pro-rated by the "
            "share of a year it covers."
        ),
        WHOLE_PERIOD,
        WHOLE_PERIOD,
    ),
    Figure(
        "below_target_members",
        _("Members below the target"),
        _("Members whose service hours in the period are under the hour target."),
        APPROVED,
        SERVICE_DAY,
    ),
    Figure(
        "target_completion_rate",
        _("Target completion rate"),
        _("The share of the node's members whose service hours reached the hour target."),
        APPROVED,
        SERVICE_DAY,
    ),
    Figure(
        "average_points",
        _("Average points per member"),
        _("A branch's points divided by its members."),
        APPROVED,
        SERVICE_DAY,
    ),
    Figure(
        "stars",
        _("Star level"),
        _(
            "0 to 5: how many of the year's five thresholds the points reach (a member), or the average points per "
            "member reach (a branch)."
        ),
        APPROVED,
        SERVICE_DAY,
    ),
    Figure(
        "requests_received",
        _("Resident requests received"),
        _("Requests residents sent in the period, each once, whatever became of them."),
        REQUESTS,
        REQUEST_DAY,
    ),
    Figure(
        "requests_accepted",
        _("Resident requests accepted"),
        _(
            "Of the requests received in the period, those the grid worker or the community's staff accepted into a "
            "new micro-wish or merged into an existing one (as they stand now)."
        ),
        REQUESTS,
        REQUEST_DAY,
    ),
    Figure(
        "requests_done",
        _("Resident requests done"),
        _(
            "Of the requests received in the period, those whose micro-wish has been fulfilled or confirmed (as they "
            "stand now)."
        ),
        REQUESTS,
        REQUEST_DAY,
    ),
    Figure(
        "households_paired",
        _("Households paired"),
        _(
            "Distinct households in need paired with the node on at least one day of the period, each once however "
            "many pairings it had."
        ),
        HOUSEHOLD_PAIRINGS,
        PAIRED_DAYS,
    ),
    Figure(
        "households_visited",
        _("Households visited"),
        _(
            "Distinct households with at least one visit (a service its paired member, or a member of its paired "
            "team, registered from the pairing) that counts as a service of the node: approved, more than zero "
            "minutes after every amendment, attributed like every service (the organ and branch of the visiting "
            "member at the time, the team the visit was made as, the household's community and grid). Pending and "
            "rejected visits do not count."
        ),
        APPROVED,
        SERVICE_DAY,
    ),
)

BY_FIELD = {figure.field: figure for figure in FIGURES}


def figure(field):
    """The glossary's entry for `field` (KeyError for a figure the glossary does not define: a programming error)."""
    return BY_FIELD[field]


def label(field):
    """The figure's label in the active language."""
    return str(BY_FIELD[field].label)


def field_of_label(text):
    """The field whose label (in the active language) is `text`, or None."""
    return next((f.field for f in FIGURES if str(f.label) == text), None)


def lazy_label(field):
    """The figure's label, translated when it is shown (for class attributes and form fields)."""
    return BY_FIELD[field].label


# --- docs/statistics.md ---------------------------------------------------------------------------------------------

DOC_PATH = "docs/statistics.md"
DOC_START = "<!-- glossary: generated from apps/stats/glossary.py (manage.py statistics_doc --write); do not edit -->"
DOC_END = "<!-- glossary: end -->"


def _cell(text):
    return " ".join(str(text).split()).replace("|", "\\|")


def render_markdown():
    """The glossary as docs/statistics.md shows it: English with each Chinese label, the figures then the rules."""
    with translation.override("en"):
        english = {f.field: (str(f.label), _cell(f.definition)) for f in FIGURES}
        rules = {r.key: (str(r.name), _cell(r.text)) for r in RULES}
    with translation.override("zh-hans"):
        chinese = {f.field: str(f.label) for f in FIGURES}
        chinese_rules = {r.key: str(r.name) for r in RULES}
    lines = [
        DOC_START,
        "",
        "| figure | 中文 | field | definition | counts | date in the period |",
        "|---|---|---|---|---|---|",
    ]
    for f in FIGURES:
        name, definition = english[f.field]
        lines.append(
            f"| {name} | {chinese[f.field]} | `{f.field}` | {definition} | {rules[f.counts.key][0]} "
            f"| {rules[f.date.key][0]} |"
        )
    lines += ["", "What the rules in the last two columns say:", ""]
    for rule in RULES:
        name, text = rules[rule.key]
        lines.append(f"- **{name}** ({chinese_rules[rule.key]}): {text}")
    lines += ["", DOC_END]
    return "\n".join(lines)


def document_with_glossary(document):
    """`document` (the text of docs/statistics.md) with its generated section replaced by render_markdown()."""
    start, end = document.index(DOC_START), document.index(DOC_END) + len(DOC_END)
    return document[:start] + render_markdown() + document[end:]
