"""Figure labels from the glossary (apps/stats/glossary.py): `{% load figures %}{% figure_label "hours" %}`, so that
every page names a figure exactly as the exports, the API and docs/statistics.md do."""

from django import template

from apps.stats import glossary

register = template.Library()


@register.simple_tag
def figure_label(field):
    return glossary.label(field)


@register.simple_tag
def figure_definition(field):
    return str(glossary.figure(field).definition)
