"""Study's periodic jobs."""

JOBS: tuple = ()  # functions declared with handbook.jobs.job
