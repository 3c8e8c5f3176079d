import factory
from django.core.files.base import ContentFile

from apps.accounts.tests.factories import UserFactory
from apps.datasets.models import Dataset, DatasetStatus


class DatasetFactory(factory.django.DjangoModelFactory):
    """A dataset row (READY with every field, unless told otherwise); no bundle behind it."""

    class Meta:
        model = Dataset

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Export {n}")
    source_file = factory.LazyFunction(lambda: ContentFile(b"placeholder bytes", name="export.xlsx"))
    original_filename = "export.xlsx"
    size_bytes = 17
    content_hash = factory.Sequence(lambda n: f"{n:064x}")
    detected_format = "espacenet_filters"
    status = DatasetStatus.READY
    available_fields = factory.LazyFunction(
        lambda: [
            "publication_year",
            "priority_year",
            "applicant",
            "inventor",
            "country",
            "cpc_main_group",
            "cpc_subgroup",
        ]
    )
