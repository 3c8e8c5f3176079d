import django_filters
from django.db.models import QuerySet

from apps.core.filters import UtcIsoDateTimeFilter
from apps.core.serializers import MAX_ID
from apps.jobs.models import ImageTask

from .selectors import search_charts


def _analysis_choices() -> list[tuple[str, str]]:
    from apps.charts.analyses import REGISTRY

    return [(key, key) for key in REGISTRY]


class ChartFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label="Search job title, analysis, dataset name and description text"
    )
    analysis = django_filters.MultipleChoiceFilter(field_name="analysis_key", choices=_analysis_choices)
    # Ids past MAX_ID are refused (400); they overflowed in the query (a 500).
    dataset = django_filters.NumberFilter(field_name="job__dataset", max_value=MAX_ID)
    job = django_filters.NumberFilter(field_name="job", max_value=MAX_ID)
    created_after = UtcIsoDateTimeFilter(field_name="finished_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="finished_at", lookup_expr="lt")
    tag = django_filters.NumberFilter(
        field_name="library_tags", distinct=True, label="Tag id", max_value=MAX_ID
    )
    group = django_filters.NumberFilter(
        field_name="library_groups", distinct=True, label="Group id", max_value=MAX_ID
    )
    published = django_filters.BooleanFilter(method="filter_published")
    ordering = django_filters.OrderingFilter(
        fields=(("finished_at", "created"), ("analysis_key", "analysis"), ("job__title", "job_title"))
    )

    class Meta:
        model = ImageTask
        fields = ["q", "analysis", "dataset", "job", "created_after", "created_before", "tag", "group"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_charts(queryset, value)

    def filter_published(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(publication__isnull=not value)
