"""The API's filter backend: django-filter's, with the browsable API's filter form showing every filter."""

from django.template import loader
from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend. A FilterSet's form holds only the filters a request gives (apps.core.filters.FilterSet);
    the form the browsable API shows above a list is for choosing filters, so it holds them all."""

    def to_html(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return None
        filterset.whole_form = True
        return loader.get_template(self.template).render({"filter": filterset}, request)
