"""Channel-layer group names, in one place."""


def job_group(job_id: int) -> str:
    return f"job.{job_id}"


def user_jobs_group(user_id: int) -> str:
    return f"user.{user_id}.jobs"
