import factory

from apps.datasets.tests.factories import DatasetFactory
from apps.jobs.models import ImageTask, Job


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    dataset = factory.SubFactory(DatasetFactory)
    owner = factory.LazyAttribute(lambda job: job.dataset.owner)
    title = factory.Sequence(lambda n: f"Landscape {n}")
    style = factory.LazyFunction(dict)


class ImageTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImageTask

    job = factory.SubFactory(JobFactory)
    position = factory.Sequence(int)
    analysis_key = "publication_trend"
    analysis_version = 1
    params = factory.LazyFunction(dict)
    claim_id = factory.Sequence(lambda n: f"ticket-{n}")


def job_with_items(n: int, **job_kwargs) -> Job:
    job = JobFactory(total=n, **job_kwargs)
    for position in range(n):
        ImageTaskFactory(job=job, position=position, claim_id=f"t{position}")
    return job
