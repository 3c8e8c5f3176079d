import django_filters

from apps.charts.analyses import REGISTRY
from apps.core.filters import UtcIsoDateTimeFilter

from .models import Job, JobStatus


class JobFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=JobStatus.choices)
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    analysis = django_filters.ChoiceFilter(
        field_name="items__analysis_key", choices=[(key, key) for key in REGISTRY], distinct=True
    )

    class Meta:
        model = Job
        fields = ["status", "dataset", "created_after", "created_before", "analysis"]
