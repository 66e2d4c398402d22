"""Use cases of the leads service, its unit of work, repositories and ports."""
