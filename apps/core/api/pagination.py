"""Page-number pagination with a client-chosen page size (bounded)."""

from rest_framework import pagination

from apps.core.paging import OnePageQuery


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's page-number pagination. A view that sets `one_query_pages` gets each page's rows and the list's total in
    one query (apps.core.paging): for lists bounded by their user (near me, mine), whose window count costs the
    database little. A list of a whole table (the audit trail) keeps the plain count, which an index can answer
    without reading the rows."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        if getattr(view, "one_query_pages", False):
            page_size = self.get_page_size(request)
            if page_size:
                number = request.query_params.get(self.page_query_param) or 1
                queryset = OnePageQuery(queryset, page=number, per_page=page_size)
        return super().paginate_queryset(queryset, request, view)
