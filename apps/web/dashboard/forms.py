"""The dashboard's GET form: which node and which period. The parameters are validated by the statistics query
serializers the API also uses (apps.stats.queries) and apps.stats.periods.period_of, so a bad parameter gives the
same message on a page as in the API; this form only lays the inputs out and says which of them a kind of period
uses."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.errors import DomainError
from apps.core.forms import Form
from apps.stats import glossary
from apps.stats.areas import PLACE_RANKINGS
from apps.stats.nodes import Level
from apps.stats.periods import period_of, year_period
from apps.stats.queries import NodePeriodQuerySerializer, RankingQuerySerializer

# A first visit opens on the year in progress, except before this day of it, (month, day): in January the new year has
# barely any figures yet, and people are still reading the one that has just ended.
LAST_YEAR_UNTIL = (2, 1)

PERIOD_KINDS = (
    ("year", _("Year")),
    ("quarter", _("Quarter")),
    ("month", _("Month")),
    ("day", _("Day")),
    ("range", _("Date range")),
)
# The inputs each kind of period reads; the others are ignored, so a year left in its box never clashes with a day.
PERIOD_FIELDS = {
    "year": ("year",),
    "quarter": ("year", "quarter"),
    "month": ("year", "month"),
    "day": ("day",),
    "range": ("start", "end"),
}
METRICS = (
    ("hours", glossary.lazy_label("hours")),
    ("points", glossary.lazy_label("points")),
    ("person_times", glossary.lazy_label("person_times")),
)
RANKINGS = (
    ("members", _("Party members")),
    ("branches", _("Branches")),
    ("organs", _("Organs")),
    ("streets", _("Streets")),
    ("communities", _("Communities")),
)
# What the organization tree's nodes and the city offer (the page explains one that does not apply to the node).
ORG_RANKINGS = ("members", "branches", "organs")
# At a place the organs ranked are those serving there.
PLACE_RANKING_LABELS = {**dict(RANKINGS), "organs": _("Organs serving here")}


def ranking_choices(level):
    """The rankings the form offers at a node of `level`: a place's own (apps.stats.areas.PLACE_RANKINGS), else the
    organization tree's three."""
    if level in PLACE_RANKINGS:
        return [(of, PLACE_RANKING_LABELS[of]) for of in PLACE_RANKINGS[level]]
    labels = dict(RANKINGS)
    return [(of, labels[of]) for of in ORG_RANKINGS]


def default_ranking(level):
    """The ranking a node's page opens on: the city's organs, a place's first ranking (a district's streets, a
    street's communities, the organs serving in a community or a grid), else the members."""
    if level == Level.CITY:
        return "organs"
    if level in PLACE_RANKINGS:
        return PLACE_RANKINGS[level][0]
    return "members"


def node_value(node):
    """The node as one form value: "city", or "<level>:<id>"."""
    return "city" if node.level == Level.CITY else f"{node.level}:{node.pk}"


def default_period(today=None):
    """The period every dashboard page (and its exports and rankings) opens on when none is asked: the year in
    progress, or the previous one before LAST_YEAR_UNTIL (on 10 January 2027 that is 2026, on 1 February 2027
    2027). The statistics API keeps its own default, the current year (apps.stats.periods.period_of)."""
    today = today or timezone.localdate()
    year = today.year if (today.month, today.day) >= LAST_YEAR_UNTIL else today.year - 1
    return year_period(year)


def _date_input():
    return forms.DateInput(attrs={"type": "date"})


class DashboardForm(Form):
    """The node (a select of the nodes the user may view) and the period (a kind and the inputs it reads).

    Valid: cleaned_data holds `level` and `id` (None: the user's default node) and `period` (a Period)."""

    serializer_class = NodePeriodQuerySerializer

    node = forms.CharField(label=_("Organization or place"), required=False, max_length=40, widget=forms.Select)
    kind = forms.ChoiceField(label=_("Period"), choices=PERIOD_KINDS, required=False)
    year = forms.CharField(
        label=_("Year"), required=False, max_length=16, widget=forms.NumberInput(attrs={"min": 2000, "max": 2100})
    )
    quarter = forms.ChoiceField(label=_("Quarter"), required=False)
    month = forms.ChoiceField(label=_("Month"), required=False)
    day = forms.CharField(label=_("Day"), required=False, max_length=16, widget=_date_input())
    start = forms.CharField(label=_("From"), required=False, max_length=16, widget=_date_input())
    end = forms.CharField(label=_("To"), required=False, max_length=16, widget=_date_input())

    def __init__(self, data=None, *, node_choices=(), **kwargs):
        # Without any of its parameters (a first visit, or only ?page=2) the dashboard opens on the user's default
        # node and default_period(), and the form shows that.
        self.empty = not data or not any(data.get(name) for name in self.base_fields)
        initial = {"kind": "year", "year": default_period().year}
        super().__init__(None if self.empty else data, initial=initial, **kwargs)
        self.fields["node"].widget.choices = node_choices
        # Built per request, in the language of the request.
        self.fields["quarter"].choices = [("", "—")] + [
            (str(n), _("Q%(quarter)d") % {"quarter": n}) for n in range(1, 5)
        ]
        self.fields["month"].choices = [("", "—")] + [
            (str(n), _("Month %(month)d") % {"month": n}) for n in range(1, 13)
        ]

    def shown_kind(self):
        """The kind of period the form shows: the one asked (a blank one is a year), or the default; None for a
        kind that is not one (the form then shows every input, with the error)."""
        kind = (self.data.get("kind") if self.is_bound else self.initial.get("kind")) or "year"
        return kind if kind in PERIOD_FIELDS else None

    def laid_out_fields(self):
        """The visible fields in order, each with `kinds` (the kinds of period that read it, space-separated; empty
        for the node and the other inputs) and `hidden` (the kind shown does not read it, and it has no error).
        The page renders `hidden` so the first view is right; web/period.js follows the kind chosen after that."""
        shown = PERIOD_FIELDS.get(self.shown_kind())
        rows = []
        for field in self.visible_fields():
            kinds = [kind for kind, names in PERIOD_FIELDS.items() if field.name in names]
            hidden = bool(kinds) and shown is not None and field.name not in shown and not field.errors
            rows.append({"field": field, "kinds": " ".join(kinds), "hidden": hidden})
        return rows

    def is_valid(self):
        if self.empty:  # no parameters: the default node and period, nothing to complain about
            self.cleaned_data = {"level": None, "id": None, "period": default_period()}
            return True
        return super().is_valid()

    def query_params(self, cleaned):
        """The API's query parameters for what the form says (only the inputs the kind of period reads)."""
        params = {}
        node = (cleaned.get("node") or "").strip()
        if node:
            level, _sep, pk = node.partition(":")
            params["level"] = level
            if pk:
                params["id"] = pk
        kind = cleaned.get("kind") or "year"
        for name in PERIOD_FIELDS[kind]:
            value = (cleaned.get(name) or "").strip()
            if value:
                params[name] = value
        if kind == "year" and "year" not in params:
            params["year"] = str(default_period().year)
        return params

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind") or "year"
        missing = [name for name in PERIOD_FIELDS[kind] if name != "year" and not (cleaned.get(name) or "").strip()]
        if kind != "year" and not (cleaned.get("year") or "").strip() and "year" in PERIOD_FIELDS[kind]:
            missing.append("year")
        for name in missing:
            self.add_error(name, self.fields[name].error_messages["required"])
        if missing:
            return cleaned
        query = self.serializer_class(data=self.query_params(cleaned))
        if not query.is_valid():
            for name, messages in query.errors.items():
                field = "node" if name in ("level", "id") else name
                for message in messages:
                    self.add_error(field if field in self.fields else None, str(message))
            return cleaned
        try:
            cleaned["period"] = period_of(**query.period_params())
        except DomainError as error:
            self.add_error(None, ValidationError(error.message, code=error.code))
            return cleaned
        cleaned["level"] = query.validated_data.get("level")
        cleaned["id"] = query.validated_data.get("id")
        cleaned["query"] = query.validated_data
        return cleaned


class RankingForm(DashboardForm):
    """The dashboard form with what to rank and by which measure (the ranking API's parameters)."""

    serializer_class = RankingQuerySerializer

    of = forms.ChoiceField(label=_("Rank"), choices=RANKINGS, required=False)
    metric = forms.ChoiceField(label=_("By"), choices=METRICS, required=False)

    def __init__(self, data=None, *, default_of="members", **kwargs):
        super().__init__(data, **kwargs)
        self.default_of = default_of
        self.initial.update({"of": default_of, "metric": "hours"})

    def is_valid(self):
        if self.empty:
            self.cleaned_data = {
                "level": None,
                "id": None,
                "period": default_period(),
                "of": self.default_of,
                "metric": "hours",
            }
            return True
        return super().is_valid()

    def query_params(self, cleaned):
        params = super().query_params(cleaned)
        params["of"] = cleaned.get("of") or self.default_of
        params["metric"] = cleaned.get("metric") or "hours"
        return params

    def clean(self):
        cleaned = super().clean()
        if "query" in cleaned:
            cleaned["of"] = cleaned["query"]["of"]
            cleaned["metric"] = cleaned["query"]["metric"]
        return cleaned
