"""Standing posts at the desk (设岗认岗): the community's posts with who holds them, and for the community's staff
setting a post up, changing it, retiring it and taking a post back from its holder.

As in the API, every signed-in user may read the posts (the public roll of holders); writing is the community's
staff's (apps.registrations.services decides). Grid workers see the posts of their grids' communities without the
buttons. Objects outside the user's communities read as 404.
"""

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from apps.core.errors import DomainError
from apps.core.forms import Form
from apps.places.models import Community
from apps.registrations import selectors as registration_selectors
from apps.registrations import services as registration_services
from apps.registrations.models import Post, PostClaim, PostKind
from apps.web.access import StaffPageMixin, object_or_404
from apps.web.feedback import ActionView, add_form_error
from apps.web.staff.forms import communities_for
from apps.web.staff.views import DeskPage, _page, _query_without_page


def is_community_staff(scope):
    return scope.is_superuser or bool(scope.staff_community_ids)


def staff_communities(scope):
    """The communities whose posts the user sets up: a community's staff (a superuser: every community)."""
    communities = Community.objects.order_by("code")
    return communities if scope.is_superuser else communities.filter(pk__in=scope.staff_community_ids)


def _current_holders():
    return (
        PostClaim.objects.filter(released_at__isnull=True)
        .select_related("member__user", "member__organ", "member__branch")
        .order_by("claimed_at", "id")
    )


def desk_posts(user, scope):
    """The posts of the communities the user works in (staff's, and those of a worker's grids), each with its
    current holders (`open_claims`, with their organ and branch) and `holder_count`."""
    communities = communities_for(scope).values("pk")
    return (
        registration_selectors.post_list(user=user)
        .filter(community__in=communities)
        .prefetch_related(None)
        .prefetch_related(Prefetch("claims", queryset=_current_holders(), to_attr="open_claims"))
    )


def managed_posts(user, scope):
    """The posts the user may change: those of their communities as staff."""
    return desk_posts(user, scope).filter(community__in=staff_communities(scope).values("pk"))


# --- forms ------------------------------------------------------------------------------------------------------


def _max_length(name):
    return Post._meta.get_field(name).max_length


class PostFilterForm(Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All")), ("active", gettext_lazy("Active")), ("inactive", gettext_lazy("Retired"))],
        required=False,
    )


class PostForm(Form):
    """The fields of the API's PostUpdateInputSerializer; the title's uniqueness in the community and the capacity
    against the current holders are the service's rules and come back as its errors."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=PostKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=_max_length("title"))
    description = forms.CharField(
        label=gettext_lazy("Duties"),
        required=False,
        max_length=_max_length("description"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    capacity = forms.IntegerField(
        label=gettext_lazy("Number of places"),
        required=False,
        min_value=1,
        help_text=gettext_lazy("Empty means no limit."),
    )


class PostCreateForm(PostForm):
    """The fields of the API's PostCreateInputSerializer: the post's fields and the community it belongs to."""

    community = forms.ModelChoiceField(label=gettext_lazy("Community"), queryset=Community.objects.none())
    field_order = ["community", "kind", "title", "description", "capacity"]

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        communities = staff_communities(scope)
        self.fields["community"].queryset = communities
        if len(communities) == 1:
            self.fields["community"].initial = communities[0]


# --- pages ------------------------------------------------------------------------------------------------------


class PostManagePageMixin(StaffPageMixin):
    """Setting posts up and taking them back is the community's staff's; grid workers only read the list."""

    role_test = staticmethod(is_community_staff)
    role_label = gettext_lazy("This page is for community staff.")


class PostListView(DeskPage):
    template_name = "web/staff/posts.html"
    subnav = "posts"
    title = gettext_lazy("Standing posts")

    def get_context_data(self, **kwargs):
        user, scope = self.request.user, self.scope
        filters = PostFilterForm(self.request.GET or None)
        posts = desk_posts(user, scope).order_by("-is_active", "community__code", "kind", "title", "id")
        if filters.is_bound:
            if filters.is_valid():
                status = filters.cleaned_data["status"]
                if status:
                    posts = posts.filter(is_active=status == "active")
            else:
                posts = posts.none()
        page_obj = _page(self.request, posts)
        for post in page_obj.object_list:
            post.may_manage = scope.manages_community(post.community_id)
            post.is_full = post.capacity is not None and post.holder_count >= post.capacity
        communities = communities_for(scope).distinct()
        may_set_up = is_community_staff(scope)
        without_post = None
        if may_set_up:
            # 每人至少认领一个岗位: the confirmed members of the staff's communities who hold no post there yet.
            without_post = (
                registration_selectors.registration_list_without_post(user=user)
                .filter(community__in=staff_communities(scope).values("pk"))
                .count()
            )
        return super().get_context_data(
            filters=filters,
            page_obj=page_obj,
            query=_query_without_page(self.request),
            may_set_up=may_set_up,
            several_communities=communities.count() > 1,
            without_post=without_post,
            **kwargs,
        )


class PostCreateView(PostManagePageMixin, FormView):
    template_name = "web/staff/post_form.html"
    form_class = PostCreateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "scope": self.scope}

    def get_context_data(self, **kwargs):
        return super().get_context_data(subnav="posts", title=_("Set up a post"), **kwargs)

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            post = registration_services.post_create(actor=self.request.user, **data)
        except DomainError as error:
            add_form_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Post set up: %(title)s.") % {"title": post.title})
        return HttpResponseRedirect(reverse("staff:posts"))


class PostEditView(PostManagePageMixin, FormView):
    template_name = "web/staff/post_form.html"
    form_class = PostForm

    def dispatch(self, request, *args, **kwargs):
        self.post_object = None
        return super().dispatch(request, *args, **kwargs)

    def get_post(self):
        if self.post_object is None:
            self.post_object = object_or_404(managed_posts(self.request.user, self.scope), self.kwargs["pk"])
        return self.post_object

    def get_initial(self):
        post = self.get_post()
        return {
            "kind": post.kind,
            "title": post.title,
            "description": post.description,
            "capacity": post.capacity,
        }

    def get_context_data(self, **kwargs):
        post = self.get_post()
        return super().get_context_data(
            subnav="posts", title=_("Edit the post %(title)s") % {"title": post.title}, post_object=post, **kwargs
        )

    def form_valid(self, form):
        try:
            post = registration_services.post_update(actor=self.request.user, post=self.get_post(), **form.cleaned_data)
        except DomainError as error:
            add_form_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Post saved: %(title)s.") % {"title": post.title})
        return HttpResponseRedirect(reverse("staff:posts"))


class PostDeactivateView(PostManagePageMixin, ActionView):
    def perform(self, request, pk):
        post = object_or_404(managed_posts(request.user, self.scope), pk)
        registration_services.post_deactivate(actor=request.user, post=post)
        return _("The post %(title)s was retired; its holders were released.") % {"title": post.title}

    def redirect_to(self, **kwargs):
        return reverse("staff:posts")


class PostClaimReleaseView(PostManagePageMixin, ActionView):
    """Take a post back from its holder (the holder gives it up on their own page)."""

    def perform(self, request, pk):
        claims = registration_selectors.post_claim_list(user=request.user).filter(
            post__community__in=staff_communities(self.scope).values("pk")
        )
        claim = object_or_404(claims, pk)
        registration_services.post_release(claim=claim, actor=request.user)
        return _("%(name)s no longer holds the post %(title)s.") % {
            "name": claim.member.user.name,
            "title": claim.post.title,
        }

    def redirect_to(self, **kwargs):
        return reverse("staff:posts")
