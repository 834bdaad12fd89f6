"""The dashboard pages: a node's figures for a period, charts, rankings, member lists, the Excel exports and the
service report, all read through apps.stats (the same selectors and parameter validation as the statistics API)."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from apps.core.errors import DomainError, NotFound
from apps.core.figures import percent_of
from apps.orgs.models import Organ, PartyOrg, PartyOrgKind
from apps.places.models import Community, District, Grid, Street
from apps.registrations.selectors import evaluation_list
from apps.seals.permissions import may_read_seals
from apps.seals.selectors import ledger_check_latest, seal_witness_line
from apps.stats import areas, exports, glossary, report, selectors
from apps.stats import errors as stats_errors
from apps.stats.nodes import GEO_LEVELS, Level, default_node, node_get
from apps.web.access import DashboardPageMixin
from apps.web.dashboard.charts import Bar, bar_chart
from apps.web.dashboard.forms import (
    ORG_RANKINGS,
    DashboardForm,
    RankingForm,
    default_ranking,
    node_value,
    ranking_choices,
)
from apps.web.feedback import report_error

PAGE_SIZE = 20

SUBNAV = (
    ("home", "dashboard:home", gettext_lazy("Overview")),
    ("rankings", "dashboard:rankings", gettext_lazy("Rankings")),
    ("members", "dashboard:members", gettext_lazy("Member table")),
    ("branches", "dashboard:branches", gettext_lazy("Branches")),
    ("zero_service", "dashboard:zero_service", gettext_lazy("Zero service")),
    ("unregistered", "dashboard:unregistered", gettext_lazy("Unregistered")),
    ("evaluations", "dashboard:evaluations", gettext_lazy("Evaluations")),
)
# At a place the branches tab gives way to the place's parts (apps.stats.areas.PARTS); a grid has none.
PART_TABS = {
    Level.DISTRICT: gettext_lazy("Streets"),
    Level.STREET: gettext_lazy("Communities"),
    Level.COMMUNITY: gettext_lazy("Grids"),
}
PART_TITLES = {
    Level.DISTRICT: gettext_lazy("Streets of the district"),
    Level.STREET: gettext_lazy("Communities of the street"),
    Level.COMMUNITY: gettext_lazy("Grids of the community"),
}

CHILD_CHART_TITLES = {
    Level.ORGAN: gettext_lazy("Hours by organ"),
    Level.PARTY_ORG: gettext_lazy("Hours by Party organization"),
    Level.MEMBER: gettext_lazy("Hours by member"),
    Level.STREET: gettext_lazy("Hours by street"),
    Level.COMMUNITY: gettext_lazy("Hours by community"),
    Level.GRID: gettext_lazy("Hours by grid"),
}

ORGAN_EXPORT = (exports.EXPORT_LEVELS, exports.EXPORT_LEVEL_INVALID)
# kind: (build, file name, ASCII file name stem, (levels it is made for, what other levels are told))
EXPORTS = {
    "members": (exports.member_table_workbook, exports.member_table_filename, "member-service", ORGAN_EXPORT),
    "branches": (exports.branch_summary_workbook, exports.branch_summary_filename, "branch-summary", ORGAN_EXPORT),
    "lists": (
        exports.unregistered_and_zero_service_workbook,
        exports.unregistered_and_zero_service_filename,
        "unregistered-and-zero-service",
        ORGAN_EXPORT,
    ),
    "places": (
        exports.place_summary_workbook,
        exports.place_summary_filename,
        "place-summary",
        (exports.PLACE_SUMMARY_LEVELS, exports.PLACE_SUMMARY_LEVEL_INVALID),
    ),
    "organs": (
        exports.organs_in_area_workbook,
        exports.organs_in_area_filename,
        "organs-in-area",
        (exports.ORGANS_IN_AREA_LEVELS, exports.ORGANS_IN_AREA_LEVEL_INVALID),
    ),
}


def subnav_items(level):
    """The dashboard's tabs at a node of `level` (key, URL name, label): the organization tree's nodes and the city
    get every tab; at a place the branches tab becomes the place's parts (streets, communities or grids), and a grid,
    which has no parts, has no such tab."""
    if level not in GEO_LEVELS:
        return SUBNAV
    items = []
    for key, name, label in SUBNAV:
        if key != "branches":
            items.append((key, name, label))
        elif level in PART_TABS:
            items.append(("places", "dashboard:places", PART_TABS[level]))
    return tuple(items)


def export_links(level):
    """The workbooks offered at a node of `level` (kind, title): the organ committee's three at an organ or a Party
    org; at a place the summary of its parts (a district, a street, a community) and the organs serving there."""
    kinds = [kind for kind, (*_rest, (levels, _message)) in EXPORTS.items() if level in levels]
    titles = {
        "members": _("Member service table"),
        "branches": _("Branch service summary"),
        "lists": _("Unregistered and zero-service members"),
        "organs": _("Organs serving in the area"),
    }
    if level in exports.PLACE_SUMMARY_TITLES:
        titles["places"] = exports.PLACE_SUMMARY_TITLES[level]
    return [{"kind": kind, "title": titles[kind]} for kind in kinds]


def report_links(level):
    """The service report's two files (format, title), at a node the report is made for."""
    if level not in report.REPORT_LEVELS:
        return []
    return [
        {"format": "docx", "title": _("Service report (Word)")},
        {"format": "pdf", "title": _("Service report (PDF)")},
    ]


class _Redirect(Exception):
    """Raised by a page's figures() to send the visitor to the page that fits the node (a tab of another level)."""

    def __init__(self, url):
        super().__init__(url)
        self.url = url


# --- the node and the period ------------------------------------------------------------------------------------


def period_params(period):
    """The form's parameters naming `period`, for links that keep it."""
    first = period.first_day
    if period.kind == "year":
        return {"kind": "year", "year": first.year}
    if period.kind == "quarter":
        return {"kind": "quarter", "year": first.year, "quarter": (first.month - 1) // 3 + 1}
    if period.kind == "month":
        return {"kind": "month", "year": first.year, "month": first.month}
    if period.kind == "day":
        return {"kind": "day", "day": first.isoformat()}
    return {"kind": "range", "start": first.isoformat(), "end": period.last_day.isoformat()}


def node_query(node, period):
    return urlencode({"node": node_value(node), **period_params(period)})


def resolve_node(user, level, pk):
    """The node the form names (none: the user's default node); outside the user's scope it is a 404."""
    try:
        node = default_node(user) if level is None else node_get(user=user, level=level, pk=pk)
    except NotFound as error:
        raise Http404(error.message) from error
    if node is None:
        raise Http404
    return node


def _indent(party_org):
    depth = max(party_org.path.count("/") - 2, 0)
    return "\u3000" * depth + party_org.name


def node_choices(scope, current):
    """The nodes to pick from, grouped for a <select>: the city for district administrators, the organs and Party
    orgs of reviewers and secretaries, the districts, streets, communities (and for street administrators and
    community staff, grids) of administrators. The current node is always among them (it may have been reached
    from a table's link)."""
    groups = []
    if scope.is_superuser or scope.district_ids:
        groups.append((_("City"), [("city", str(_("The whole city")))]))
    organs = Organ.objects.order_by("name")
    if not scope.is_superuser:
        organs = organs.filter(pk__in=scope.organ_ids)
    organs = list(organs)
    if organs:
        groups.append((_("Organs"), [(f"organ:{o.pk}", o.name) for o in organs]))
    if not scope.is_superuser and (scope.organ_ids or scope.party_org_paths):
        subtree = Q(organ_id__in=scope.organ_ids)
        for path in scope.party_org_paths:
            subtree |= Q(path__startswith=path)
        orgs = PartyOrg.objects.filter(subtree).exclude(kind=PartyOrgKind.COMMITTEE).order_by("organ_id", "path")
        groups.append((_("Party organizations"), [(f"party_org:{o.pk}", _indent(o)) for o in orgs]))
    if scope.is_superuser or scope.district_ids:
        districts = District.objects.order_by("code")
        if not scope.is_superuser:
            districts = districts.filter(pk__in=scope.district_ids)
        groups.append((_("Districts"), [(f"district:{d.pk}", d.name) for d in districts]))
    if scope.district_ids or scope.street_ids:
        streets = Street.objects.filter(Q(pk__in=scope.street_ids) | Q(district_id__in=scope.district_ids))
        groups.append((_("Streets"), [(f"street:{s.pk}", s.name) for s in streets.order_by("code")]))
        communities = Community.objects.filter(
            Q(street_id__in=scope.street_ids) | Q(street__district_id__in=scope.district_ids)
        )
        groups.append((_("Communities"), [(f"community:{c.pk}", c.name) for c in communities.order_by("code")]))
    if scope.street_ids:
        grids = Grid.objects.filter(community__street_id__in=scope.street_ids).select_related("community")
        groups.append(
            (_("Grids"), [(f"grid:{g.pk}", f"{g.community.name} · {g.name}") for g in grids.order_by("code")])
        )
    groups = [(label, options) for label, options in groups if options]
    current_value = node_value(current)
    if not any(value == current_value for _label, options in groups for value, _name in options):
        groups.insert(0, (str(Level(current.level).label), [(current_value, current.name)]))
    return groups


class DashboardPage(DashboardPageMixin, TemplateView):
    """A dashboard page for one node and period: the form, the subnav, and `figures()` of the page."""

    form_class = DashboardForm
    subnav_key = "home"
    title = ""

    def get_form(self):
        return self.form_class(self.request.GET)

    def figures(self, node, period, cleaned):
        return {}

    def adapt_form(self, node):
        """Fit the form to the node shown (or, when the form is invalid, the user's default node)."""
        self.form.fields["node"].widget.choices = node_choices(self.scope, node)

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except _Redirect as redirect:
            return HttpResponseRedirect(redirect.url)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.form = self.get_form()
        context.update(form=form, title=self.title, subnav_key=self.subnav_key)
        query = ""
        if form.is_valid():
            cleaned = form.cleaned_data
            node = resolve_node(self.request.user, cleaned["level"], cleaned["id"])
            period = cleaned["period"]
            query = node_query(node, period)
            context["period_query"] = urlencode(period_params(period))
            context["period_label"] = exports.period_title(period)
            if form.is_bound:
                data = form.data.copy()
                data["node"] = node_value(node)  # the select shows the node shown, also when none was chosen
                form.data = data
            else:
                form.initial["node"] = node_value(node)
            self.adapt_form(node)
            context.update(node=node, period=period, level_label=Level(node.level).label)
            try:
                context.update(self.figures(node, period, cleaned))
            except NotFound as error:
                raise Http404(error.message) from error
            except DomainError as error:
                context["error"] = error
        else:
            # The choices still help to correct the form: the user's default node and what they may view.
            node = default_node(self.request.user)
            if node is not None:
                self.adapt_form(node)
        context["query"] = query
        level = node.level if node is not None else None
        context["subnav"] = [
            {"key": key, "label": label, "url": reverse(name) + (f"?{query}" if query else "")}
            for key, name, label in subnav_items(level)
        ]
        return context

    def paginate(self, rows, query):
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        return {"page": page, "page_query": query}


def _percent(rate):
    return "—" if rate is None else f"{percent_of(rate)}%"


def headline_tiles(metrics, node):
    """The headline figures of docs/statistics.md, in the order people read them, each with an optional note."""
    tiles = [
        ("members", glossary.label("members"), metrics["members"], ""),
        (
            "registered_members",
            glossary.label("registered_members"),
            metrics["registered_members"],
            _("%(label)s %(rate)s")
            % {"label": glossary.label("registration_rate"), "rate": _percent(metrics["registration_rate"])}
            if metrics["registration_rate"] is not None
            else "",
        ),
        ("services", glossary.label("services"), metrics["services"], ""),
        ("person_times", glossary.label("person_times"), metrics["person_times"], ""),
        ("members_served", glossary.label("members_served"), metrics["members_served"], ""),
        ("hours", glossary.label("hours"), metrics["hours"], ""),
        ("residents_served", glossary.label("residents_served"), metrics["residents_served"], ""),
        ("wish_services", glossary.label("wish_services"), metrics["wish_services"], ""),
        ("wishes_claimed", glossary.label("wishes_claimed"), metrics["wishes_claimed"], ""),
        ("wishes_fulfilled", glossary.label("wishes_fulfilled"), metrics["wishes_fulfilled"], ""),
        (
            "wishes_confirmed",
            glossary.label("wishes_confirmed"),
            metrics["wishes_confirmed"],
            _("%(label)s %(rate)s")
            % {"label": glossary.label("wish_completion_rate"), "rate": _percent(metrics["wish_completion_rate"])},
        ),
        ("wishes_solved", glossary.label("wishes_solved"), metrics["wishes_solved"], ""),
    ]
    if metrics["activities_organized"] is not None:
        tiles.append(
            ("activities_organized", glossary.label("activities_organized"), metrics["activities_organized"], "")
        )
    tiles += [
        ("activities_joined", glossary.label("activities_joined"), metrics["activities_joined"], ""),
        ("zero_service_members", glossary.label("zero_service_members"), metrics["zero_service_members"], ""),
        (
            "below_target_members",
            glossary.label("below_target_members"),
            metrics["below_target_members"],
            _("%(target)s %(hours)s h; %(rate_label)s %(rate)s")
            % {
                "target": glossary.label("target_hours"),
                "hours": metrics["target_hours"],
                "rate_label": glossary.label("target_completion_rate"),
                "rate": _percent(metrics["target_completion_rate"]),
            },
        ),
        ("points", glossary.label("points"), metrics["points"], ""),
    ]
    if "stars" in metrics:
        tiles.append(("stars", glossary.label("stars"), metrics["stars"], ""))
    # Every node has households paired and visited (结对户数, 走访户数).
    tiles += [(key, glossary.label(key), metrics[key], "") for key in ("households_paired", "households_visited")]
    # Residents' requests belong to places (and the city): an organization has none.
    for key in ("requests_received", "requests_accepted", "requests_done"):
        if key in metrics:
            tiles.append((key, glossary.label(key), metrics[key], ""))
    return [{"key": key, "label": label, "value": value, "note": note} for key, label, value, note in tiles]


def _chart(chart_id, title, desc, rows, *, horizontal, label="label"):
    bars = [Bar(row[label], float(row["hours"])) for row in rows]
    return {
        "id": chart_id,
        "title": title,
        "svg": bar_chart(
            chart_id=chart_id,
            title=title,
            desc=desc,
            bars=bars,
            value_label=glossary.label("hours"),
            horizontal=horizontal,
        ),
        "rows": rows,
    }


def ledger_panel(user):
    """The sealed ledger at a glance, for the platform's administrators (district administrators and superusers;
    apps.seals.permissions): the latest seal as printed, and the latest verification (when, its outcome, the seal
    it reached), or None for anyone else. The same reads as GET /api/v1/ledger/seal/."""
    if not may_read_seals(user):
        return None
    check = ledger_check_latest()
    return {
        "seal_line": seal_witness_line(),
        "check": check,
        "check_seal": check.last_seal.partition(":")[0] if check is not None else "",
    }


class HomeView(DashboardPage):
    template_name = "web/dashboard/home.html"
    title = gettext_lazy("Dashboard")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "ledger": ledger_panel(self.request.user)}

    def figures(self, node, period, cleaned):
        metrics = selectors.node_metrics_cached(node=node, period=period)
        months = selectors.node_breakdown(node=node, period=period, by="month")
        for row in months:
            row["label"] = row["key"]
        charts = [
            _chart(
                "hours-by-month",
                _("Hours by month"),
                _("Service hours of %(node)s in each month of %(period)s.")
                % {"node": node.name, "period": period.label},
                months,
                horizontal=False,
            )
        ]
        by_branch = node.level == Level.ORGAN or (
            node.level == Level.PARTY_ORG and node.obj.kind != PartyOrgKind.BRANCH
        )
        if by_branch:
            units = selectors.branch_rows(node=node, period=period)
            unit_title = _("Hours by branch")
        else:
            units = selectors.node_breakdown(node=node, period=period, by="children")
            unit_title = CHILD_CHART_TITLES.get(units[0]["level"], "") if units else ""
        for row in units:
            row["label"] = row["name"]
            row["drill"] = _drill_level(row, by_branch)
        if units:
            charts.append(
                _chart(
                    "hours-by-unit",
                    unit_title,
                    _("Service hours of each part of %(node)s in %(period)s.")
                    % {"node": node.name, "period": period.label},
                    units,
                    horizontal=True,
                )
            )
        categories = selectors.node_breakdown(node=node, period=period, by="category")
        charts.append(
            _chart(
                "hours-by-category",
                _("Hours by category"),
                _("Service hours of %(node)s in %(period)s by category of service, whatever its source.")
                % {"node": node.name, "period": period.label},
                categories,
                horizontal=True,
            )
        )
        sources = selectors.node_breakdown(node=node, period=period, by="source")
        charts.append(
            _chart(
                "hours-by-source",
                _("Hours by source"),
                _(
                    "Service hours of %(node)s in %(period)s by source: micro-wishes, volunteer activities, "
                    "manual entries, self-registered services."
                )
                % {"node": node.name, "period": period.label},
                sources,
                horizontal=True,
            )
        )
        return {
            "metrics": metrics,
            "tiles": headline_tiles(metrics, node),
            "charts": charts,
            "exports": export_links(node.level),
            "reports": report_links(node.level),
        }


def _drill_level(row, by_branch):
    """The form value of a breakdown row's node, for a link that opens the dashboard on it."""
    if by_branch:
        return f"party_org:{row['id']}"
    if row.get("id") is None:
        return ""
    return f"{row['level']}:{row['id']}"


class RankingsView(DashboardPage):
    template_name = "web/dashboard/rankings.html"
    subnav_key = "rankings"
    title = gettext_lazy("Rankings")
    form_class = RankingForm

    def get_form(self):
        node = default_node(self.request.user)
        return RankingForm(self.request.GET, default_of=default_ranking(node.level) if node else "members")

    def adapt_form(self, node):
        super().adapt_form(node)
        self.form.fields["of"].choices = ranking_choices(node.level)

    def figures(self, node, period, cleaned):
        of, metric = cleaned["of"], cleaned["metric"]
        offered = {value for value, _label in ranking_choices(node.level)}
        left_from_another_node = of not in offered and (node.is_geo or of not in ORG_RANKINGS)
        if not self.request.GET.get("of") or left_from_another_node:
            # Nothing asked, or a ranking left in the form by a node of the other tree: the node's own first ranking
            # (the city's organs, a district's streets, a street's communities), and the form says so. The
            # organization tree's own rankings asked where they do not apply are explained, as they always were.
            of = default_ranking(node.level)
        if self.form.is_bound:
            self.form.data["of"], self.form.data["metric"] = of, metric
        else:
            self.form.initial.update(of=of, metric=metric)
        rows = selectors.ranking(node=node, period=period, of=of, metric=metric)
        query = f"{node_query(node, period)}&{urlencode({'of': of, 'metric': metric})}"
        at_place = node.is_geo
        return {
            "of": of,
            "metric": metric,
            "at_place": at_place,
            "with_street": of == "communities" and node.level == Level.DISTRICT,
            **self.paginate(rows, query),
        }


class MemberTableView(DashboardPage):
    template_name = "web/dashboard/members.html"
    subnav_key = "members"
    title = gettext_lazy("Member table")

    def figures(self, node, period, cleaned):
        rows = selectors.member_table(node=node, period=period)
        return self.paginate(rows, node_query(node, period))


class BranchTableView(DashboardPage):
    template_name = "web/dashboard/branches.html"
    subnav_key = "branches"
    title = gettext_lazy("Branch summary")

    def figures(self, node, period, cleaned):
        if node.level in areas.PARTS:  # a place's tab is its parts
            raise _Redirect(f"{reverse('dashboard:places')}?{node_query(node, period)}")
        if node.level not in (Level.ORGAN, Level.PARTY_ORG):
            raise stats_errors.Invalid("breakdown_invalid", stats_errors.BREAKDOWN_INVALID)
        rows = selectors.branch_rows(node=node, period=period)
        for row in rows:
            row["rate_label"] = _percent(row["registration_rate"])
        return self.paginate(rows, node_query(node, period))


class PlacesView(DashboardPage):
    """The parts of a place with their figures: the streets of a district, the communities of a street, the grids
    of a community (apps.stats.areas.place_rows), each a link to its own dashboard."""

    template_name = "web/dashboard/places.html"
    subnav_key = "places"
    title = gettext_lazy("Places")

    def figures(self, node, period, cleaned):
        if node.level in (Level.ORGAN, Level.PARTY_ORG):  # an organization's tab is its branches
            raise _Redirect(f"{reverse('dashboard:branches')}?{node_query(node, period)}")
        if node.level not in areas.PARTS:
            raise stats_errors.Invalid("breakdown_invalid", stats_errors.BREAKDOWN_INVALID)
        level = areas.PARTS[node.level]
        rows = areas.place_rows(node=node, period=period, level=level)
        return {
            "title": PART_TITLES[node.level],
            "part_label": Level(level).label,
            **self.paginate(rows, node_query(node, period)),
        }


class ZeroServiceView(DashboardPage):
    template_name = "web/dashboard/member_list.html"
    subnav_key = "zero_service"
    title = glossary.lazy_label("zero_service_members")
    intro = gettext_lazy("Members of this organization or place with no approved service in the period.")

    def figures(self, node, period, cleaned):
        rows = selectors.zero_service_members(node=node, period=period)
        return {"intro": self.intro, **self.paginate(rows, node_query(node, period))}


class UnregisteredView(ZeroServiceView):
    subnav_key = "unregistered"
    title = gettext_lazy("Unregistered members")
    intro = gettext_lazy(
        "Members without a confirmed registration with a residential community (now; the period does not matter)."
    )

    def figures(self, node, period, cleaned):
        rows = selectors.unregistered_members(node=node)
        return {"intro": self.intro, **self.paginate(rows, node_query(node, period))}


def _evaluations_in(node, queryset):
    """The evaluations of the node: of its members (organization) or given by its communities (place)."""
    level, pk = node.level, node.pk
    if level == Level.ORGAN:
        return queryset.filter(member__organ_id=pk)
    if level == Level.PARTY_ORG:
        return queryset.filter(member__branch__path__startswith=node.obj.path)
    if level == Level.MEMBER:
        return queryset.filter(member_id=pk)
    if level == Level.DISTRICT:
        return queryset.filter(community__street__district_id=pk)
    if level == Level.STREET:
        return queryset.filter(community__street_id=pk)
    if level == Level.COMMUNITY:
        return queryset.filter(community_id=pk)
    if level == Level.GRID:
        return queryset.filter(community_id=node.obj.community_id)
    return queryset


class EvaluationsView(DashboardPage):
    template_name = "web/dashboard/evaluations.html"
    subnav_key = "evaluations"
    title = gettext_lazy("Community evaluations")

    def figures(self, node, period, cleaned):
        visible = evaluation_list(user=self.request.user, filters={"year": period.year})
        rows = _evaluations_in(node, visible).order_by("member__branch__path", "member__user__name", "community_id")
        return {"year": period.year, **self.paginate(rows, node_query(node, period))}


class ExportView(DashboardPageMixin, View):
    """One of the workbooks of apps.stats.exports for the form's node and period, as a GET download, with the API
    export's permission check (export_node_get: a node of a level the workbook is made for, that the user may view)."""

    def get(self, request, kind):
        if kind not in EXPORTS:
            raise Http404
        build, filename, stem, (levels, message) = EXPORTS[kind]
        form = DashboardForm(request.GET)
        home = reverse("dashboard:home")
        if not form.is_valid():
            return HttpResponseRedirect(f"{home}?{request.GET.urlencode()}")
        cleaned = form.cleaned_data
        period = cleaned["period"]
        node = resolve_node(request.user, cleaned["level"], cleaned["id"])
        try:
            node = exports.export_node_get(
                user=request.user, level=node.level, pk=node.pk, levels=levels, message=message
            )
        except NotFound as error:
            raise Http404(error.message) from error
        except DomainError as error:
            report_error(request, error)
            return HttpResponseRedirect(f"{home}?{node_query(node, period)}")
        fallback = f"{stem}-{node.level}-{node.pk}-{period.label.replace('/', '_')}.xlsx"
        return exports.xlsx_response(
            build(node=node, period=period), filename=filename(node=node, period=period), fallback=fallback
        )


class ReportView(DashboardPageMixin, View):
    """The service report (apps.stats.report) of the form's node and period as a Word or PDF download, with the Excel
    exports' permission check (a node of a level the report is made for, that the user may view)."""

    def get(self, request, file_format):
        if file_format not in report.REPORT_FORMATS:
            raise Http404
        form = DashboardForm(request.GET)
        home = reverse("dashboard:home")
        if not form.is_valid():
            return HttpResponseRedirect(f"{home}?{request.GET.urlencode()}")
        cleaned = form.cleaned_data
        period = cleaned["period"]
        node = resolve_node(request.user, cleaned["level"], cleaned["id"])
        try:
            node = report.report_node_get(user=request.user, level=node.level, pk=node.pk)
        except NotFound as error:
            raise Http404(error.message) from error
        except DomainError as error:
            report_error(request, error)
            return HttpResponseRedirect(f"{home}?{node_query(node, period)}")
        return report.report_response(node=node, period=period, file_format=file_format)
