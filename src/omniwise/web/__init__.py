"""HTTP plumbing shared by every surface: middleware and problem responses."""
